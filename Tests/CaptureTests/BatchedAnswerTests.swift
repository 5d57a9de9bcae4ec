import Foundation
import Testing
import Capture
import Hooks
import Inference

/// Answer capture with several questions decoded together gives exactly what one at a time gives.
@Suite struct BatchedAnswerTests {
    static let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path

    /// The model, or nil (an issue under CI) when it has not been fetched.
    static func loadModel() throws -> LanguageModel? {
        guard FileManager.default.fileExists(atPath: model) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("missing \(model)") }
            return nil
        }
        return try LanguageModel.load(path: model)
    }

    @Test("answers decoded five at a time equal answers decoded one at a time: text, rows, extra positions, scores")
    func batchedEqualsSingle() throws {
        guard let lm = try Self.loadModel() else { return }
        let adapter = try EngineCaptureAdapter(model: lm, chat: try lm.requireChatTemplate())
        let hooks: [HookName] = [.residPost(14), .residPost(29)]
        let questions = [
            "What is the capital of France?", "How many legs does a spider have?", "Who painted the Mona Lisa?",
            "What is the boiling point of water in Celsius?", "Which planet is closest to the sun?",
            "What is the largest ocean?", "In what year did World War II end?",
        ]
        let one = try adapter.answers(questions: questions, hooks: hooks, maxTokens: 20, batchSize: 1)
        let five = try adapter.answers(questions: questions, hooks: hooks, maxTokens: 20, batchSize: 5)
        for (a, b) in zip(one, five) {
            #expect(a.text == b.text && a.generatedTokens == b.generatedTokens)
            #expect(a.lastRow == b.lastRow)
            #expect(a.positionRows == b.positionRows)
            #expect(a.scores.map(\.logprob) == b.scores.map(\.logprob))
        }
        #expect(
            Set(one.map(\.generatedTokens)).count > 1, "answers of different lengths leave the batch at different steps"
        )
    }

    @Test("statements prefilled in one pass give each statement's rows and confidences alone, bit for bit")
    func batchedStatementsEqualSingle() throws {
        guard let lm = try Self.loadModel() else { return }
        let adapter = try EngineCaptureAdapter(model: lm, chat: nil)
        let hooks: [HookName] = [.residPost(0), .residPost(14), .residPost(29)]
        let statements = try [
            "The city of Paris is in France.", "Berlin is the capital of Spain.",
            "The chemical symbol for gold is Au, and the chemical symbol for silver is Ag.", "Two plus two is five.",
            "The Pacific Ocean is the largest ocean on Earth, larger than all the land together.",
        ].map { try adapter.prepare(statement: $0).tokens }
        // With the float32 tile on every CPU (AVX-512 or AVX2) a row does not depend on the others in its pass; with
        // OpenBLAS sgemm (POLYGRAPH_NO_TILE=1) the last bits moved with the batch's shape.
        let together = try adapter.prefill(statements, hooks: hooks, scoreTokens: true)
        for (index, tokens) in statements.enumerated() {
            let alone = try adapter.prefill([tokens], hooks: hooks, scoreTokens: true)[0]
            let sameRows = alone.rows == together[index].rows  // (not printed: thousands of floats)
            #expect(sameRows, "statement \(index): rows differ from the statement's pass alone")
            #expect(alone.scores?.map(\.logprob) == together[index].scores?.map(\.logprob), "statement \(index)")
        }
    }
}
