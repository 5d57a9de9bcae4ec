import Foundation
import GGUF

extension ModelConfig {
    /// Reads the `{arch}.*` hyper-parameters of a llama-family GGUF file.
    public static func llamaFamily(from file: GGUFFile) throws -> ModelConfig {
        let arch = try file.string("general.architecture")
        func int(_ key: String) throws -> Int {
            guard let v = try? file.int("\(arch).\(key)") else {
                throw InferenceError.missingMetadata(key: "\(arch).\(key)", path: file.path)
            }
            return v
        }
        let nLayers = try int("block_count")
        // Each block has tensors of its own: a block count beyond the tensor count is corrupt metadata, refused
        // before anything is sized by it.
        guard nLayers > 0, nLayers <= file.tensors.count else {
            throw InferenceError.invalidHyperParameter(
                key: "\(arch).block_count", value: "\(nLayers)",
                reason: "must be 1...\(file.tensors.count) (the file holds \(file.tensors.count) tensors)")
        }
        let dModel = try int("embedding_length")
        let nHeads = try int("attention.head_count")
        let nKV = try file.optionalHyperParameter("\(arch).attention.head_count_kv", file.optionalInt) ?? nHeads
        guard nHeads > 0, nHeads <= 1 << 16 else {
            throw InferenceError.invalidHyperParameter(
                key: "\(arch).attention.head_count", value: "\(nHeads)",
                reason: "must be 1...65536")
        }
        let headDim =
            try file.optionalHyperParameter("\(arch).attention.key_length", file.optionalInt) ?? dModel / nHeads
        // Values are computed with the key width; a model whose value heads differ would be run wrongly.
        if let valueWidth = try file.optionalHyperParameter("\(arch).attention.value_length", file.optionalInt),
            valueWidth != headDim
        {
            throw InferenceError.invalidHyperParameter(
                key: "\(arch).attention.value_length", value: "\(valueWidth)",
                reason: "must equal the key width \(headDim); models whose value heads "
                    + "are narrower or wider than their key heads are not supported")
        }
        let embd = try file.requireTensor(named: "token_embd.weight")
        let vocab = embd.dimensions.count == 2 ? embd.dimensions[1] : 0
        let name =
            (try? file.string("general.name"))
            ?? URL(fileURLWithPath: file.path).deletingPathExtension().lastPathComponent
        let eps: Float
        do { eps = try file.float("\(arch).attention.layer_norm_rms_epsilon") } catch {
            throw InferenceError.missingMetadata(key: "\(arch).attention.layer_norm_rms_epsilon", path: file.path)
        }
        return ModelConfig(
            architecture: arch, name: name, nLayers: nLayers, dModel: dModel, nHeads: nHeads,
            nKVHeads: nKV, headDim: headDim, dFF: try int("feed_forward_length"), vocabSize: vocab,
            contextLength: try int("context_length"),
            ropeBase: try file.optionalHyperParameter("\(arch).rope.freq_base", file.optionalFloat) ?? 10000,
            ropeDim: try file.optionalHyperParameter("\(arch).rope.dimension_count", file.optionalInt) ?? headDim,
            rmsEpsilon: eps, tiedEmbeddings: file.tensor(named: "output.weight") == nil)
    }
}

extension GGUFFile {
    /// An optional hyper-parameter: nil when the key is absent; present with the wrong type (`rope.freq_base` as a
    /// string, say) it is an error naming the key. It used to be replaced by the default silently (defect 13).
    func optionalHyperParameter<T>(_ key: String, _ read: (String) throws -> T?) throws -> T? {
        do { return try read(key) } catch {
            let shown = metadata[key].map { "\($0.displayString()) (\($0.typeDescription))" } ?? "?"
            throw InferenceError.invalidHyperParameter(
                key: key, value: shown, reason: "has the wrong type for this key")
        }
    }
}
