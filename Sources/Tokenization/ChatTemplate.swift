// Native renderers for the chat-template families Polygraph recognises in `tokenizer.chat_template`
// (Hugging Face chat templates, Jinja): ChatML (SmolLM2, Qwen 2.5), Llama 3, Gemma. No Jinja interpreter:
// each family's rendering is written out and the template text only selects the family and its defaults.
import GGUF

/// A chat format: turns messages into the exact prompt text a model was trained on.
public enum ChatTemplate: Sendable, Equatable {
    /// ChatML: `<|im_start|>role\ncontent<|im_end|>\n` per message. When the first message is not a system
    /// message, templates such as SmolLM2's and Qwen 2.5's insert a default system turn (`defaultSystemPrompt`).
    case chatML(defaultSystemPrompt: String?)
    /// Llama 3: `<|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>` after BOS, content trimmed.
    /// Llama 3.1+ templates (`knowledgeCutoffHeader`) always open with a system turn that starts with
    /// "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n" (the templates' default date).
    case llama3(bosToken: String, knowledgeCutoffHeader: Bool)
    /// Gemma: `<start_of_turn>role\ncontent<end_of_turn>\n` after BOS; `assistant` is written `model`, a system
    /// message becomes a prefix of the first user turn, content trimmed.
    case gemma(bosToken: String)

    /// The family's name, for messages and `inspect`.
    public var family: String {
        switch self {
        case .chatML: "ChatML"
        case .llama3: "Llama 3"
        case .gemma: "Gemma"
        }
    }

    /// The same family without an inserted default system turn (ChatML only; other families are unchanged).
    /// SmolLM2's golden chat prompt (../shared/golden/chat_capital.json) was written this way.
    public func omittingDefaultSystemPrompt() -> ChatTemplate {
        if case .chatML = self { return .chatML(defaultSystemPrompt: nil) }
        return self
    }

    /// Recognises the family of a Jinja chat template by its turn markers and reads its defaults.
    /// - Parameter bosToken: the text of the model's BOS token, which Llama 3 and Gemma templates write first.
    /// - Throws: `TokenizationError.unknownChatTemplate` with the template's first line when no family fits.
    public static func detect(from template: String, bosToken: String = "") throws -> ChatTemplate {
        if template.contains("<|im_start|>") {
            return .chatML(defaultSystemPrompt: defaultChatMLSystemPrompt(in: template))
        }
        if template.contains("<|start_header_id|>") && template.contains("<|eot_id|>") {
            return .llama3(bosToken: bosToken, knowledgeCutoffHeader: template.contains("Cutting Knowledge Date"))
        }
        if template.contains("<start_of_turn>") && template.contains("<end_of_turn>") {
            return .gemma(bosToken: bosToken)
        }
        let firstLine = template.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        throw TokenizationError.unknownChatTemplate(firstLine: String(firstLine.prefix(120)))
    }

    /// The template a GGUF carries (`tokenizer.chat_template`), with BOS text from `tokenizer`.
    /// - Throws: `TokenizationError.noChatTemplate` when the file has none, `.unknownChatTemplate` when unrecognised.
    public init(gguf: GGUFFile, tokenizer: any Tokenizer) throws {
        guard case .string(let template)? = gguf.metadata["tokenizer.chat_template"] else {
            throw TokenizationError.noChatTemplate
        }
        let bos = tokenizer.specialTokens.bos.flatMap { tokenizer.token(for: $0) } ?? ""
        self = try Self.detect(from: template, bosToken: bos)
    }

    /// The prompt text for `messages`; with `addGenerationPrompt` it ends with the opening of an assistant turn.
    /// Special tokens appear as text: encode the result with `parseSpecial: true` and without adding BOS again.
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var out = ""
        switch self {
        case .chatML(let defaultSystem):
            if let defaultSystem, messages.first?.role != "system" {
                out += "<|im_start|>system\n\(defaultSystem)<|im_end|>\n"
            }
            for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }

        case .llama3(let bos, let cutoffHeader):
            out += bos
            var rest = messages[...]
            if cutoffHeader {
                var system = ""
                if let first = rest.first, first.role == "system" {
                    system = first.content.trimmingJinjaWhitespace()
                    rest = rest.dropFirst()
                }
                out += "<|start_header_id|>system<|end_header_id|>\n\n"
                out += "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n\(system)<|eot_id|>"
            }
            for m in rest {
                out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n\(m.content.trimmingJinjaWhitespace())<|eot_id|>"
            }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }

        case .gemma(let bos):
            out += bos
            var rest = messages[...]
            var prefix = ""
            if let first = rest.first, first.role == "system" {
                prefix = first.content + "\n\n"
                rest = rest.dropFirst()
            }
            for (i, m) in rest.enumerated() {
                let role = m.role == "assistant" ? "model" : m.role
                out += "<start_of_turn>\(role)\n\(i == 0 ? prefix : "")\(m.content.trimmingJinjaWhitespace())<end_of_turn>\n"
            }
            if addGenerationPrompt { out += "<start_of_turn>model\n" }
        }
        return out
    }

    /// The constant system text a ChatML template writes when the conversation has no system message:
    /// a literal `<|im_start|>system` + newline + text + `<|im_end|>` with no quote or expression inside.
    static func defaultChatMLSystemPrompt(in template: String) -> String? {
        let opener = "<|im_start|>system"
        var search = template[...]
        while let open = search.range(of: opener) {
            var rest = search[open.upperBound...]
            if rest.hasPrefix("\\n") {
                rest = rest.dropFirst(2) // the newline written as a Jinja escape
            } else if rest.hasPrefix("\n") {
                rest = rest.dropFirst(1)
            } else {
                search = rest
                continue
            }
            if let close = rest.range(of: "<|im_end|>") {
                let text = rest[..<close.lowerBound]
                let isConstant = !text.contains("'") && !text.contains("\"") && !text.contains("{{") && !text.contains("{%")
                if isConstant && !text.isEmpty {
                    return String(text).replacingOccurrences(of: "\\n", with: "\n")
                }
            }
            search = rest
        }
        return nil
    }
}

extension String {
    /// Jinja's `trim` filter: strips leading and trailing whitespace (Python `str.strip()`).
    func trimmingJinjaWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
