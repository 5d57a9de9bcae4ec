// Builds a tokenizer from a GGUF file's `tokenizer.ggml.*` metadata (GGUF spec, ggml/docs/gguf.md, "Tokenizer").
import GGUF

/// The tokenizer models `makeTokenizer` understands (`tokenizer.ggml.model`).
public let supportedTokenizerModels = ["gpt2 (byte-level BPE)", "llama (SentencePiece)"]

/// Control-token texts that end a turn in the chat formats Polygraph knows (as llama.cpp's end-of-generation set).
let endOfTurnTexts: Set<String> = [
    "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "<|end_of_text|>",
]

/// The tokenizer a GGUF describes.
///
/// - `tokenizer.ggml.model = gpt2`: byte-level BPE with `tokenizer.ggml.pre` (`smollm`, `llama-bpe`, `qwen2`, `gpt-2`).
/// - `tokenizer.ggml.model = llama`: SentencePiece with scores and byte fallback.
///
/// For `pre = smollm` the default is the plain GPT-2 split, which is what Hugging Face transformers builds from
/// this GGUF and what the golden ids were made with; llama.cpp (and SmolLM2's original tokenizer.json) first
/// isolate every digit, which differs on whitespace before digits (e.g. `"   7"`). Pass
/// `preTokenizerOverride: .smollm` to get llama.cpp's ids.
/// - Throws: `TokenizationError` naming the key or value that is missing, malformed or unsupported.
public func makeTokenizer(from gguf: GGUFFile, preTokenizerOverride: PreTokenizer? = nil) throws -> any Tokenizer {
    let metadata = try TokenizerMetadata(gguf)
    switch metadata.model {
    case "gpt2":
        let pre: PreTokenizer
        if let override = preTokenizerOverride {
            pre = override
        } else if metadata.pre == "smollm" {
            pre = .gpt2
        } else if let known = PreTokenizer(ggufName: metadata.pre ?? "gpt-2") {
            pre = known
        } else {
            throw TokenizationError.unsupportedPreTokenizer(
                name: metadata.pre ?? "", supported: PreTokenizer.allCases.map(\.rawValue))
        }
        let merges = try metadata.required("tokenizer.ggml.merges") { try gguf.strings("tokenizer.ggml.merges") }
        return try ByteLevelBPETokenizer(
            tokens: metadata.tokens, kinds: metadata.kinds, merges: merges, preTokenizer: pre,
            specialTokens: metadata.specialTokens, addsBOS: metadata.addBOS ?? false)
    case "llama":
        let scores = try metadata.required("tokenizer.ggml.scores") { try gguf.floats("tokenizer.ggml.scores") }
        return try SentencePieceTokenizer(
            tokens: metadata.tokens, kinds: metadata.kinds, scores: scores,
            specialTokens: metadata.specialTokens, addsBOS: metadata.addBOS ?? true,
            addSpacePrefix: metadata.addSpacePrefix ?? true)
    default:
        throw TokenizationError.unsupportedModel(name: metadata.model, supported: supportedTokenizerModels)
    }
}

/// The model-independent part of `tokenizer.ggml.*`, checked for consistency.
private struct TokenizerMetadata {
    let model: String
    let pre: String?
    let tokens: [String]
    let kinds: [TokenKind]
    let specialTokens: SpecialTokenIDs
    let addBOS: Bool?
    let addSpacePrefix: Bool?

    init(_ gguf: GGUFFile) throws {
        model = try Self.required("tokenizer.ggml.model") { try gguf.string("tokenizer.ggml.model") }
        pre = try Self.required("tokenizer.ggml.pre") { try gguf.optionalString("tokenizer.ggml.pre") }
        tokens = try Self.required("tokenizer.ggml.tokens") { try gguf.strings("tokenizer.ggml.tokens") }
        guard !tokens.isEmpty else {
            throw TokenizationError.missingMetadata(key: "tokenizer.ggml.tokens", detail: "the vocabulary is empty")
        }
        let types = try Self.required("tokenizer.ggml.token_type") {
            try gguf.optionalInts("tokenizer.ggml.token_type")
        }
        if let types {
            guard types.count == tokens.count else {
                throw TokenizationError.lengthMismatch(
                    key: "tokenizer.ggml.token_type", expected: tokens.count, found: types.count)
            }
            kinds = types.map { TokenKind(rawValue: Int32(truncatingIfNeeded: $0)) ?? .normal }
        } else {
            kinds = Array(repeating: .normal, count: tokens.count)
        }
        addBOS = try Self.required("tokenizer.ggml.add_bos_token") {
            try gguf.optionalBool("tokenizer.ggml.add_bos_token")
        }
        addSpacePrefix = try Self.required("tokenizer.ggml.add_space_prefix") {
            try gguf.optionalBool("tokenizer.ggml.add_space_prefix")
        }

        let count = tokens.count
        func id(_ name: String) throws -> Int32? {
            let key = "tokenizer.ggml.\(name)"
            guard let v = try Self.required(key, { try gguf.optionalInt(key) }) else { return nil }
            // Some converters write -1 (or UInt32.max) for "none".
            if v < 0 || v == Int(UInt32.max) { return nil }
            guard v < count else {
                throw TokenizationError.specialTokenOutOfRange(key: key, id: v, vocabularySize: count)
            }
            return Int32(v)
        }
        let eos = try id("eos_token_id")
        var endOfTurn = [try id("eot_token_id"), try id("eom_token_id"), eos].compactMap { $0 }
        for (i, t) in tokens.enumerated()
        where endOfTurnTexts.contains(t) && (kinds[i] == .control || kinds[i] == .userDefined) {
            endOfTurn.append(Int32(i))
        }
        specialTokens = SpecialTokenIDs(
            bos: try id("bos_token_id"), eos: eos, padding: try id("padding_token_id"),
            unknown: try id("unknown_token_id"), endOfTurn: endOfTurn)
    }

    /// Runs a GGUF getter, turning its error into a `TokenizationError` that names the tokenizer key.
    static func required<T>(_ key: String, _ read: () throws -> T) throws -> T {
        do {
            return try read()
        } catch let error as GGUFError {
            throw TokenizationError.missingMetadata(key: key, detail: error.description)
        }
    }

    func required<T>(_ key: String, _ read: () throws -> T) throws -> T { try Self.required(key, read) }
}
