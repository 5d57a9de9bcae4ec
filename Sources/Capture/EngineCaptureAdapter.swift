import Foundation
import Hooks
import Inference
import Tokenization

/// Adapts `LanguageModel` to the store's `CaptureEngine` (hook names, statements and questions).
public final class EngineCaptureAdapter: CaptureEngine, @unchecked Sendable {
    public let model: LanguageModel
    public let chat: ChatTemplate?
    public let modelInfo: CaptureModelInfo
    /// nil: answers are generated greedily.
    public let sampling: AnswerSampling?

    /// `chat` wraps statements and questions as a user turn; nil runs statements raw and questions as
    /// `Question: …\nAnswer:`.
    public init(model: LanguageModel, chat: ChatTemplate?, sampling: AnswerSampling? = nil) throws {
        self.model = model
        self.chat = chat
        self.sampling = sampling
        let config = model.config
        modelInfo = CaptureModelInfo(
            name: config.name, architecture: config.architecture, sha256: try model.fileSHA256,
            nLayers: config.nLayers, dModel: config.dModel)
    }

    public var contextLength: Int { model.config.contextLength }

    public var promptTemplate: String { chat.map { "chat:\($0.family) user turn" } ?? "" }

    public var answerSampling: String? { sampling?.description }

    public func width(of hook: HookName) throws -> Int { hook.width(in: model.config) }

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

    public func prefill(_ sequences: [[Int32]], hooks: [HookName], scoreTokens: Bool) throws -> [PrefillOutput] {
        let outputs = try model.run(sequences, capture: HookFilter(hooks), logits: scoreTokens ? .tokenScores : .none)
        return outputs.map { output in
            var rows: [HookName: [Float]] = [:]
            for hook in hooks { rows[hook] = output.activations(hook) ?? [] }
            return PrefillOutput(rows: rows, scores: output.tokenScores)
        }
    }

    /// Up to `batchSize` generations at once on the model, which merges their decode steps (`LanguageModel.generate`).
    public func answers(
        questions: [String], hooks: [HookName], maxTokens: Int, batchSize: Int, lookahead: Int, tokenRows: Bool,
        deliver: (Int, CapturedAnswer) throws -> Void
    ) throws {
        try concurrentStream(
            questions, width: batchSize, lookahead: lookahead,
            { _, question in
                try self.answer(question: question, hooks: hooks, maxTokens: maxTokens, tokenRows: tokenRows)
            },
            deliver: deliver)
    }

    /// The token ids a question is answered from: the chat template's user turn and generation prompt, or
    /// `Question: …\nAnswer:` for a model without one.
    func prompt(question: String) throws -> [Int32] {
        if let chat {
            return model.tokenizer.encodePrompt(
                try chat.render(messages: [.user(question)], addGenerationPrompt: true), parseSpecial: true)
        }
        return model.tokenizer.encodePrompt(PlainPrompt.text(question: question), parseSpecial: false)
    }

    public func promptLength(question: String) throws -> Int { try prompt(question: question).count }

    /// Generates the answer greedily, or as `sampling` says. After a plain prompt the answer ends where the model
    /// starts inventing the next question (`PlainPrompt.nextTurn`): its text, tokens, rows and confidences stop there,
    /// as the gate's `stop` cuts them (`Gate.answer(question:)` asks a model without a chat template the same way).
    public func answer(question: String, hooks: [HookName], maxTokens: Int, tokenRows: Bool) throws -> CapturedAnswer {
        let prompt = try prompt(question: question)
        var turn = StopSequenceScan(stops: chat == nil ? [PlainPrompt.nextTurn] : [])
        let generation = try model.generate(
            prompt: prompt,
            parameters: sampling?.parameters(question: question, maxTokens: maxTokens) ?? .greedy(maxTokens: maxTokens),
            capture: HookFilter(hooks),
            onToken: { !turn.isActive || turn.push($0.text) == nil })
        // Only a cut answer is copied short; any other keeps the generation's arrays as they are.
        let cut = turn.stopOffset != nil
        let kept = cut ? turn.keptTokenCount : generation.tokens.count
        return captured(
            question: question, text: cut ? turn.text : generation.text,
            tokens: cut ? Array(generation.tokens.prefix(kept)) : generation.tokens, promptTokens: prompt.count,
            hooks: hooks, scores: cut ? Array(generation.scores.prefix(kept)) : generation.scores, tokenRows: tokenRows,
            questionRow: { generation.promptActivations.row($0, at: generation.promptTokenCount - 1).map(Array.init) },
            answerRows: { hook in
                let rows = generation.activations(hook) ?? []
                return cut ? Array(rows.prefix(kept * hook.width(in: self.model.config))) : rows
            })
    }

    /// A given response's tokens as they follow the prompt (`LanguageModel.givenAnswerText`).
    func responseTokens(_ response: String) -> [Int32] {
        model.tokenizer.encode(
            LanguageModel.givenAnswerText(response, afterPlainPrompt: chat == nil), parseSpecial: false)
    }

    public func givenAnswerLength(question: String, response: String) throws -> Int {
        try prompt(question: question).count + responseTokens(response).count
    }

    /// Teacher forcing (`LanguageModel.teacherForce`, batched passes).
    public func givenAnswers(_ pairs: [(question: String, response: String)], hooks: [HookName], tokenRows: Bool)
        throws -> [CapturedAnswer]
    {
        let inputs = try pairs.map { (prompt: try prompt(question: $0.question), answer: responseTokens($0.response)) }
        let forced = try model.teacherForce(inputs, capture: HookFilter(hooks))
        return zip(pairs, forced).map { pair, run in
            captured(
                question: pair.question, text: pair.response, tokens: run.answerTokens,
                promptTokens: run.promptTokenCount, hooks: hooks, scores: run.scores, tokenRows: tokenRows,
                questionRow: { run.promptLastRow[$0] }, answerRows: { run.answerRows[$0] ?? [] })
        }
    }

    /// An answer's rows at every answer position, from the prompt's last row and the answer tokens' rows (generated
    /// or teacher-forced: the same positions either way).
    private func captured(
        question: String, text: String, tokens: [Int32], promptTokens: Int, hooks: [HookName], scores: [TokenScore],
        tokenRows: Bool, questionRow: (HookName) -> [Float]?, answerRows: (HookName) -> [Float]
    ) -> CapturedAnswer {
        var lastRow: [HookName: [Float]] = [:]
        var all: [HookName: [Float]] = [:]
        var positionRows: [ProbePosition: [HookName: [Float]]] = [:]
        let exact = ExactAnswer.lastToken(
            question: question, tokenBytes: tokens.map { model.tokenizer.bytes(for: $0) })
        for hook in hooks {
            let width = hook.width(in: model.config)
            let question = questionRow(hook)
            let generated = answerRows(hook)
            let rows = generated.count / max(width, 1)
            if tokenRows { all[hook] = generated }
            if let question {
                positionRows[.question, default: [:]][hook] = question
                // An empty answer has no span: its mean and max are the question's row.
                positionRows[.answerMean, default: [:]][hook] =
                    rows > 0 ? Pooling.mean(generated, width: width, rows: 0..<rows) : question
                positionRows[.answerMax, default: [:]][hook] =
                    rows > 0 ? Pooling.max(generated, width: width, rows: 0..<rows) : question
                // The exact answer's last token; without one, the answer's last token (or, empty, the question's).
                let k = exact.map { min($0, rows - 1) } ?? rows - 1
                positionRows[.answerExact, default: [:]][hook] =
                    k >= 0 ? Array(generated[(k * width)..<((k + 1) * width)]) : question
            }
            if generated.count >= width {
                lastRow[hook] = Array(generated[(generated.count - width)...])
            } else if let question {
                lastRow[hook] = question
            }
        }
        var answer = CapturedAnswer(
            text: text.trimmingCharacters(in: .whitespacesAndNewlines), promptTokens: promptTokens,
            generatedTokens: tokens.count, lastRow: lastRow, scores: scores)
        answer.positionRows = positionRows
        if tokenRows { answer.tokenRows = all }
        return answer
    }
}
