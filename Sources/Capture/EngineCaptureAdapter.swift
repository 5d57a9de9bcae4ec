import Foundation
import Hooks
import Inference
import Tokenization

/// Adapts `LanguageModel` to the store's `CaptureEngine` (string hook names, statements and questions).
public final class EngineCaptureAdapter: CaptureEngine, @unchecked Sendable {
    public let model: LanguageModel
    public let chat: ChatTemplate?
    let names: [String: HookName]
    public let modelInfo: CaptureModelInfo

    /// `chat` wraps statements and questions as a user turn; nil runs statements raw and questions as
    /// `Question: …\nAnswer:`.
    public init(model: LanguageModel, hooks: [HookName], chat: ChatTemplate?) throws {
        self.model = model
        self.chat = chat
        names = Dictionary(uniqueKeysWithValues: hooks.map { ($0.description, $0) })
        let config = model.config
        modelInfo = CaptureModelInfo(
            name: config.name, architecture: config.architecture, sha256: try model.fileSHA256,
            nLayers: config.nLayers, dModel: config.dModel)
    }

    public var contextLength: Int { model.config.contextLength }

    public var promptTemplate: String { chat.map { "chat:\($0.family) user turn" } ?? "" }

    private func hook(_ name: String) throws -> HookName {
        guard let hook = names[name] else { return try HookName(parsing: name) }
        return hook
    }

    public func width(of hook: String) throws -> Int { try self.hook(hook).width(in: model.config) }

    public func prepare(statement: String) throws -> PreparedText {
        let tokenizer = model.tokenizer
        let text = tokenizer.encode(statement, parseSpecial: false)
        guard let chat else {
            let bos: [Int32] = tokenizer.addsBOS ? tokenizer.specialTokens.bos.map { [$0] } ?? [] : []
            return PreparedText(tokens: bos + text, textSpan: bos.count..<(bos.count + text.count))
        }
        let marker = "\u{1}POLYGRAPH\u{1}"
        let rendered = try chat.render(messages: [.user(marker)], addGenerationPrompt: false)
        let parts = rendered.components(separatedBy: marker)
        let prefix = tokenizer.encodePrompt(parts.first ?? "", parseSpecial: true)
        let suffix = tokenizer.encode(parts.dropFirst().joined(), parseSpecial: true)
        return PreparedText(tokens: prefix + text + suffix, textSpan: prefix.count..<(prefix.count + text.count))
    }

    public func prefill(_ sequences: [[Int32]], hooks: [String], scoreTokens: Bool) throws -> [PrefillOutput] {
        let typed = try hooks.map { try hook($0) }
        let outputs = try model.run(sequences, capture: HookFilter(typed), logits: scoreTokens ? .tokenScores : .none)
        return outputs.map { output in
            var rows: [String: [Float]] = [:]
            for (name, hook) in zip(hooks, typed) { rows[name] = output.activations(hook) ?? [] }
            return PrefillOutput(rows: rows, scores: output.tokenScores)
        }
    }

    /// Up to `batchSize` generations at once on the model, which merges their decode steps (`LanguageModel.generate`).
    public func answers(questions: [String], hooks: [String], maxTokens: Int, batchSize: Int) throws -> [CapturedAnswer]
    {
        try concurrentMap(questions, width: batchSize) { _, question in
            try self.answer(question: question, hooks: hooks, maxTokens: maxTokens)
        }
    }

    /// The token ids a question is answered from: the chat template's user turn and generation prompt, or
    /// `Question: …\nAnswer:` for a model without one.
    func prompt(question: String) throws -> [Int32] {
        if let chat {
            return model.tokenizer.encodePrompt(
                try chat.render(messages: [.user(question)], addGenerationPrompt: true), parseSpecial: true)
        }
        return model.tokenizer.encodePrompt("Question: \(question)\nAnswer:", parseSpecial: false)
    }

    public func promptLength(question: String) throws -> Int { try prompt(question: question).count }

    public func answer(question: String, hooks: [String], maxTokens: Int) throws -> CapturedAnswer {
        let typed = try hooks.map { try hook($0) }
        let prompt = try prompt(question: question)
        let generation = try model.generate(
            prompt: prompt, parameters: .greedy(maxTokens: maxTokens), capture: HookFilter(typed))
        var lastRow: [String: [Float]] = [:]
        var positionRows: [ProbePosition: [String: [Float]]] = [:]
        let exact = ExactAnswer.lastToken(
            question: question, tokenBytes: generation.tokens.map { model.tokenizer.bytes(for: $0) })
        for (name, hook) in zip(hooks, typed) {
            let width = hook.width(in: model.config)
            let question = generation.promptActivations.row(hook, at: generation.promptTokenCount - 1).map(Array.init)
            let generated = generation.activations(hook) ?? []
            let rows = generated.count / max(width, 1)
            if let question {
                positionRows[.question, default: [:]][name] = question
                // An empty answer has no span: its mean and max are the question's row.
                positionRows[.answerMean, default: [:]][name] =
                    rows > 0 ? Pooling.mean(generated, width: width, rows: 0..<rows) : question
                positionRows[.answerMax, default: [:]][name] =
                    rows > 0 ? Pooling.max(generated, width: width, rows: 0..<rows) : question
                // The exact answer's last token; without one, the answer's last token (or, empty, the question's).
                let k = exact.map { min($0, rows - 1) } ?? rows - 1
                positionRows[.answerExact, default: [:]][name] =
                    k >= 0 ? Array(generated[(k * width)..<((k + 1) * width)]) : question
            }
            if let values = generation.activations(hook), values.count >= width {
                lastRow[name] = Array(values[(values.count - width)...])
            } else if let row = generation.promptActivations.row(hook, at: generation.promptTokenCount - 1) {
                lastRow[name] = Array(row)
            }
        }
        var answer = CapturedAnswer(
            text: generation.text.trimmingCharacters(in: .whitespacesAndNewlines),
            promptTokens: generation.promptTokenCount, generatedTokens: generation.tokens.count,
            lastRow: lastRow, scores: generation.scores)
        answer.positionRows = positionRows
        return answer
    }
}
