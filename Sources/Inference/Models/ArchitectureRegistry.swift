import Foundation
import Hooks
import GGUF

/// Maps `general.architecture` to the constructor of its forward pass (one file per architecture).
public enum ArchitectureRegistry {
    /// Builds a model from an open GGUF file.
    public typealias Constructor = @Sendable (GGUFFile, DecodeMode, WeightStorage) throws -> any CausalLanguageModel

    /// The supported architectures.
    public static let constructors: [String: Constructor] = [
        "llama": { try LlamaModel.load(from: $0, decodeMode: $1, storage: $2) },
        "qwen2": { try Qwen2Model.load(from: $0, decodeMode: $1, storage: $2) },
        "qwen3": { try Qwen3Model.load(from: $0, decodeMode: $1, storage: $2) },
        "gemma3": { try Gemma3Model.load(from: $0, decodeMode: $1, storage: $2) },
    ]

    /// Names of the supported architectures, sorted.
    public static var supported: [String] { constructors.keys.sorted() }

    /// Builds the model for `file`'s architecture, or throws `InferenceError.unsupportedArchitecture`.
    public static func makeModel(
        from file: GGUFFile, decodeMode: DecodeMode = .quantized,
        storage: WeightStorage = .mapped
    ) throws -> any CausalLanguageModel {
        guard let arch = try? file.string("general.architecture") else {
            throw InferenceError.missingMetadata(key: "general.architecture", path: file.path)
        }
        guard let make = constructors[arch] else {
            throw InferenceError.unsupportedArchitecture(arch, supported: supported)
        }
        return try make(file, decodeMode, storage)
    }

    /// The hook points a GGUF model exposes, in firing order, read from metadata only (no weights are loaded):
    /// for `polygraph inspect`. Throws for an unsupported architecture or a missing block count.
    public static func hookNames(for file: GGUFFile) throws -> [HookName] {
        guard let arch = try? file.string("general.architecture") else {
            throw InferenceError.missingMetadata(key: "general.architecture", path: file.path)
        }
        guard constructors[arch] != nil else {
            throw InferenceError.unsupportedArchitecture(arch, supported: supported)
        }
        guard let layers = try? file.int("\(arch).block_count"), layers > 0 else {
            throw InferenceError.missingMetadata(key: "\(arch).block_count", path: file.path)
        }
        guard layers <= file.tensors.count else {
            throw InferenceError.invalidHyperParameter(
                key: "\(arch).block_count", value: "\(layers)",
                reason: "must be 1...\(file.tensors.count) (the file holds \(file.tensors.count) tensors)")
        }
        return HookName.all(nLayers: layers)
    }
}
