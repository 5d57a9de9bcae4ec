import Foundation

/// Everything that can go wrong while loading or running a model. Each case carries the context needed to fix it.
public enum InferenceError: Error, CustomStringConvertible, Equatable {
    /// `general.architecture` names an architecture this engine cannot run.
    case unsupportedArchitecture(String, supported: [String])
    /// A required metadata key is missing or has the wrong type.
    case missingMetadata(key: String, path: String)
    /// A hyper-parameter that makes no sense (e.g. heads that do not divide d_model).
    case invalidHyperParameter(key: String, value: String, reason: String)
    /// A required tensor is absent from the GGUF file.
    case missingTensor(name: String, path: String)
    /// A tensor whose shape does not match the hyper-parameters.
    case tensorShapeMismatch(name: String, expected: [Int], found: [Int])
    /// A token id outside `[0, vocabSize)`.
    case tokenOutOfRange(id: Int32, vocabSize: Int)
    /// A sequence (prompt + generated) longer than the model's context window.
    case contextOverflow(tokens: Int, contextLength: Int)
    /// An empty sequence was passed to a forward pass.
    case emptySequence(index: Int)
    /// Sampling parameters that are out of range.
    case invalidSamplingParameter(name: String, value: String, expected: String)
    /// The model file cannot be opened or read.
    case unreadableModel(path: String, reason: String)
    /// Loading the model would need more memory than the machine has available (checked before any weight is read).
    case insufficientMemory(path: String, needed: Int, available: Int, detail: String, float32: Bool)

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let arch, let supported):
            return "unsupported architecture '\(arch)'; supported: \(supported.joined(separator: ", "))"
        case .missingMetadata(let key, let path):
            return "\(path): missing or mistyped metadata key '\(key)'"
        case .invalidHyperParameter(let key, let value, let reason):
            return "invalid hyper-parameter \(key) = \(value): \(reason)"
        case .missingTensor(let name, let path):
            return "\(path): required tensor '\(name)' is missing"
        case .tensorShapeMismatch(let name, let expected, let found):
            return "tensor '\(name)' has shape \(found), expected \(expected) (ne0 first)"
        case .tokenOutOfRange(let id, let vocab):
            return "token id \(id) is outside the vocabulary [0, \(vocab))"
        case .contextOverflow(let tokens, let ctx):
            return "\(tokens) tokens exceed the model's context length \(ctx); shorten the prompt or --max-tokens"
        case .emptySequence(let index):
            return "sequence \(index) is empty; every sequence needs at least one token"
        case .invalidSamplingParameter(let name, let value, let expected):
            return "invalid sampling parameter \(name) = \(value); expected \(expected)"
        case .unreadableModel(let path, let reason):
            return "cannot load model \(path): \(reason). Hint: run scripts/fetch-model.sh for the default model"
        case .insufficientMemory(let path, let needed, let available, let detail, let float32):
            let hint =
                float32
                ? "drop --weights float32 (the default keeps weights mapped in their quantised form), "
                : ""
            return "cannot load model \(path): it needs about \(MemoryBudget.gigabytes(needed)) (\(detail)) but only "
                + "\(MemoryBudget.gigabytes(available)) is available (MemAvailable in /proc/meminfo, or the cgroup "
                + "limit). Hint: \(hint)close other programs, or use a smaller model or a smaller quantisation"
        }
    }
}
