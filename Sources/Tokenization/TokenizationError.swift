// Errors of the Tokenization module: each case says what is wrong, where, and what to do.

/// Why a tokenizer or a chat template could not be built.
public enum TokenizationError: Error, CustomStringConvertible, Equatable {
    /// A required `tokenizer.*` metadata key is absent or has the wrong type.
    case missingMetadata(key: String, detail: String)
    /// `tokenizer.ggml.model` names a tokenizer Polygraph does not implement.
    case unsupportedModel(name: String, supported: [String])
    /// `tokenizer.ggml.pre` names a pre-tokenizer Polygraph does not implement.
    case unsupportedPreTokenizer(name: String, supported: [String])
    /// Two parallel metadata arrays disagree in length.
    case lengthMismatch(key: String, expected: Int, found: Int)
    /// A merge rule is not `left right` with both sides in the vocabulary.
    case malformedMerge(index: Int, text: String)
    /// A special-token id points outside the vocabulary.
    case specialTokenOutOfRange(key: String, id: Int, vocabularySize: Int)
    /// The vocabulary has no token for a byte, so some text cannot be encoded.
    case missingByteToken(byte: UInt8)
    /// The GGUF has no `tokenizer.chat_template`.
    case noChatTemplate
    /// `--template NAME` names no built-in chat template.
    case unknownChatTemplate(name: String, known: [String])
    /// A `--template-var` that is not `name=value`.
    case invalidTemplateVariable(String)

    public var description: String {
        switch self {
        case let .missingMetadata(key, detail):
            return
                "GGUF tokenizer metadata '\(key)' is missing or malformed: \(detail). The file may not carry a tokenizer; re-convert it with llama.cpp's convert_hf_to_gguf.py."
        case let .unsupportedModel(name, supported):
            return "tokenizer.ggml.model '\(name)' is not supported; supported: \(supported.joined(separator: ", "))."
        case let .unsupportedPreTokenizer(name, supported):
            return
                "tokenizer.ggml.pre '\(name)' is not supported; supported: \(supported.joined(separator: ", ")). Its split rules would differ, so ids would be wrong."
        case let .lengthMismatch(key, expected, found):
            return
                "GGUF tokenizer metadata '\(key)' has \(found) entries, expected \(expected) (one per token). The file is inconsistent."
        case let .malformedMerge(index, text):
            return "tokenizer.ggml.merges[\(index)] = '\(text)' is not two space-separated tokens of the vocabulary."
        case let .specialTokenOutOfRange(key, id, size):
            return "'\(key)' = \(id) is outside the vocabulary of \(size) tokens."
        case let .missingByteToken(byte):
            return
                "the byte-level vocabulary has no token for byte 0x\(String(byte, radix: 16)); text containing it cannot be encoded."
        case .noChatTemplate:
            return
                "the GGUF has no tokenizer.chat_template (a base model?). Pass the prompt as it is with --raw, or name a built-in template with --template (\(ChatTemplate.builtInNames.joined(separator: ", ")))."
        case let .unknownChatTemplate(name, known):
            return
                "no built-in chat template '\(name)'; built-in: \(known.joined(separator: ", ")) (or chat: the GGUF's own, raw: none)."
        case let .invalidTemplateVariable(text):
            return
                "template variable '\(text)' is not NAME=VALUE (e.g. --template-var enable_thinking=false; the value is JSON or plain text)."
        }
    }
}
