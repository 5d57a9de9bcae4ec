import Foundation
import Testing
import Capture
import Hooks
import Inference

/// Answer capture with several questions decoded together gives exactly what one at a time gives.
@Suite struct BatchedAnswerTests {
    static let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path

    @Test("answers decoded five at a time equal answers decoded one at a time: text, rows, extra positions, scores")
    func batchedEqualsSingle() throws {
        guard FileManager.default.fileExists(atPath: Self.model) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("missing \(Self.model)") }
            return
        }
        let lm = try LanguageModel.load(path: Self.model)
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
}
