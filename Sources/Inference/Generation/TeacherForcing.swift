import Foundation
import Hooks

/// A given answer run after its prompt in one forward pass (teacher forcing): what a generation of the same tokens
/// would have captured — the prompt's last row, each answer token's row, and the model's confidence in each answer
/// token from the logits at the position before it. Capture and the gate both score given answers from this.
public struct TeacherForcedAnswer: Sendable {
    /// Tokens of the prompt.
    public let promptTokenCount: Int
    /// The answer's tokens.
    public let answerTokens: [Int32]
    /// Hook → the prompt's last row `[width]`.
    public let promptLastRow: [HookName: [Float]]
    /// Hook → the answer tokens' rows `[answerTokens.count, width]`, row-major.
    public let answerRows: [HookName: [Float]]
    /// The model's confidence in each answer token, `[answerTokens.count]`.
    public let scores: [TokenScore]
}

extension LanguageModel {
    /// The text a given answer is tokenised from after its prompt: after a plain-text prompt (`…Answer:`) a model
    /// writes a space before its answer, so one is added where the answer starts without white space.
    public static func givenAnswerText(_ response: String, afterPlainPrompt: Bool) -> String {
        afterPlainPrompt && !(response.first?.isWhitespace ?? true) ? " " + response : response
    }

    /// Runs each prompt followed by its answer, `passSize` pairs per batched forward pass (memory: every captured
    /// hook's rows at every token of a pass), and reads what `TeacherForcedAnswer` describes.
    public func teacherForce(
        _ pairs: [(prompt: [Int32], answer: [Int32])], capture: HookFilter, passSize: Int = 8
    ) throws -> [TeacherForcedAnswer] {
        var results: [TeacherForcedAnswer] = []
        results.reserveCapacity(pairs.count)
        for start in stride(from: 0, to: pairs.count, by: max(1, passSize)) {
            let group = pairs[start..<min(pairs.count, start + max(1, passSize))]
            for (index, pair) in group.enumerated() where pair.prompt.isEmpty {
                throw InferenceError.emptySequence(index: start + index)
            }
            let outputs = try run(group.map { $0.prompt + $0.answer }, capture: capture, logits: .tokenScores)
            for (pair, output) in zip(group, outputs) {
                let p = pair.prompt.count, n = pair.answer.count
                // Element t of tokenScores scores token t + 1: the answer's tokens are p ..< p + n.
                let scores = output.tokenScores ?? []
                precondition(scores.count == p + n - 1, "a .tokenScores pass scores every token but the first")
                var last: [HookName: [Float]] = [:], rows: [HookName: [Float]] = [:]
                for (hook, values) in output.captured {
                    guard let width = output.widths[hook], width > 0 else { continue }
                    last[hook] = Array(values[((p - 1) * width)..<(p * width)])
                    rows[hook] = Array(values[(p * width)..<((p + n) * width)])
                }
                results.append(
                    TeacherForcedAnswer(
                        promptTokenCount: p, answerTokens: pair.answer, promptLastRow: last, answerRows: rows,
                        scores: Array(scores[(p - 1)..<(p - 1 + n)])))
            }
        }
        return results
    }
}
