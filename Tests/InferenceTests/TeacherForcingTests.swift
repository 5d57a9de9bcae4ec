import Foundation
import Hooks
import Testing

@testable import Inference

@Suite(
    "Teacher forcing with the real model",
    .enabled(
        if: TestPaths.isCI || FileManager.default.fileExists(atPath: TestPaths.model), "needs the model in models/"))
struct TeacherForcingTests {
    /// Relative L2 distance of two rows.
    static func distance(_ a: [Float], _ b: [Float]) -> Double {
        let diff = zip(a, b).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
        let norm = a.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
        return diff / max(norm, 1e-12)
    }

    @Test(
        "answers sharing a prompt and the chat template's prefix get the rows and scores of one pass over prompt and answer"
    )
    func sharedPromptsEqualOnePass() throws {
        let lm = try LanguageModel.load(path: TestPaths.model)
        let filter: HookFilter = [.residPost(5), .residPost(20), .lnFinal]
        let paris = try lm.chatPrompt([.user("What is the capital of France?")])
        let gold = try lm.chatPrompt([.user("What is the chemical symbol for gold?")])
        let raw = lm.rawPrompt("Question: How many legs does a spider have?\nAnswer:")
        let words: (String) -> [Int32] = { lm.tokenizer.encode($0, parseSpecial: false) }
        // Two and three answers to the same prompt, a raw prompt (no template prefix), a one-token prompt, an empty
        // answer.
        let pairs: [(prompt: [Int32], answer: [Int32])] = [
            (paris, words("Paris.")), (paris, words("The capital of France is Lyon.")), (gold, words("Au")),
            (gold, words("Au")), (raw, words(" Eight")), (gold, words("Ag, silver.")), (paris, []),
            ([raw[0]], words("Hello there")),
        ]
        let forced = try lm.teacherForce(pairs, capture: filter, passSize: 5)
        #expect(forced.count == pairs.count)
        for (pair, run) in zip(pairs, forced) {
            let p = pair.prompt.count, n = pair.answer.count
            #expect(run.promptTokenCount == p && run.answerTokens == pair.answer)
            // The reference: prompt and answer in one stateless pass, no prefix, no shared cache.
            let whole = try lm.run([pair.prompt + pair.answer], capture: filter, logits: .tokenScores)[0]
            let scores = whole.tokenScores ?? []
            #expect(run.scores.count == n)
            for (a, b) in zip(run.scores, scores[(p - 1)...]) {
                #expect(abs(a.logprob - b.logprob) < 1e-3 && abs(a.entropy - b.entropy) < 1e-3)
            }
            for hook in filter.sorted {
                let width = try #require(whole.widths[hook])
                let values = try #require(whole.captured[hook])
                let last = try #require(run.promptLastRow[hook])
                #expect(Self.distance(Array(values[((p - 1) * width)..<(p * width)]), last) < 1e-4, "\(hook) last")
                let rows = try #require(run.answerRows[hook])
                #expect(rows.count == n * width)
                for t in 0..<n {
                    let expected = Array(values[((p + t) * width)..<((p + t + 1) * width)])
                    #expect(
                        Self.distance(expected, Array(rows[(t * width)..<((t + 1) * width)])) < 1e-4, "\(hook) \(t)")
                }
            }
        }
        // The same pair twice in one pass, and alone: the same to rounding (a GEMM row's sums can depend on which
        // tile of the batch it falls in).
        let alone = try lm.teacherForce([pairs[2]], capture: filter)[0]
        for hook in filter.sorted {
            let rows = forced[2].answerRows[hook] ?? []
            #expect(Self.distance(rows, forced[3].answerRows[hook] ?? []) < 1e-5, "\(hook)")
            #expect(Self.distance(rows, alone.answerRows[hook] ?? []) < 1e-5, "\(hook)")
        }
    }

    @Test("passes hold at most passSize pairs and teacherForcingTokens tokens, or one longer pair alone")
    func passes() {
        let limit = LanguageModel.teacherForcingTokens
        #expect(
            LanguageModel.teacherForcingPasses(lengths: Array(repeating: 40, count: 70), 32) == [
                0..<32, 32..<64, 64..<70,
            ])
        #expect(
            LanguageModel.teacherForcingPasses(lengths: [limit / 2, limit / 2, 1, limit + 5, 3], 32) == [
                0..<2, 2..<3, 3..<4, 4..<5,
            ])
        #expect(LanguageModel.teacherForcingPasses(lengths: [5, 5, 5], 0) == [0..<1, 1..<2, 2..<3])
        #expect(LanguageModel.teacherForcingPasses(lengths: [], 32).isEmpty)
    }

    @Test("long prompts are split into passes by tokens; each pair's rows are the same as alone")
    func longPromptsSplitByTokens() throws {
        let lm = try LanguageModel.load(path: TestPaths.model)
        let filter: HookFilter = [.residPost(12)]
        let long = lm.rawPrompt(String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 150) + "Q:")
        #expect(long.count > LanguageModel.teacherForcingTokens / 3)
        let words: (String) -> [Int32] = { lm.tokenizer.encode($0, parseSpecial: false) }
        // Three pairs hold more tokens than one pass: two passes (two pairs, then one).
        let pairs = [(long, words(" yes")), (long, words(" no")), (long, words(" maybe"))]
        let together = try lm.teacherForce(pairs, capture: filter)
        #expect(together.count == 3 && together.map(\.answerTokens) == pairs.map(\.1))
        let alone = try lm.teacherForce([pairs[1]], capture: filter)[0]
        #expect(
            Self.distance(alone.answerRows[.residPost(12)] ?? [], together[1].answerRows[.residPost(12)] ?? []) < 1e-5)
        #expect(abs(alone.scores[0].logprob - together[1].scores[0].logprob) < 1e-4)
    }

    @Test("an empty prompt is an error naming the pair")
    func emptyPrompt() throws {
        let lm = try LanguageModel.load(path: TestPaths.model)
        #expect(throws: InferenceError.self) {
            _ = try lm.teacherForce([(prompt: [1, 2], answer: [3]), (prompt: [], answer: [3])], capture: .none)
        }
    }
}
