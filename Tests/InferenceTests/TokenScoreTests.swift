import CKernels
import Foundation
import Hooks
import Testing
@testable import Inference

@Suite("Token scores (the model's own confidence)")
struct TokenScoreTests {
    @Test("log-prob, entropy and margin match a direct softmax; top-k is ordered and normalised")
    func arithmetic() {
        let logits: [Float] = [2, 0.5, -1, 2.5, 0]
        let z = logits.map { exp(Double($0)) }, sum = z.reduce(0, +)
        let p = z.map { $0 / sum }
        let score = TokenScore.of(0, logits: logits)
        #expect(abs(Double(score.logprob) - log(p[0])) < 1e-6)
        #expect(abs(Double(score.entropy) + p.reduce(0) { $0 + $1 * log($1) }) < 1e-6)
        #expect(abs(score.margin - 0.5) < 1e-6)  // ln p(top1) − ln p(top2) = 2.5 − 2
        let top = TokenScore.top(3, logits: logits)
        #expect(top.map(\.id) == [3, 0, 1])
        #expect(zip(top, [3, 0, 1]).allSatisfy { abs(Double($0.0.logprob) - log(p[$0.1])) < 1e-6 })
        #expect(TokenScore.top(0, logits: logits).isEmpty)
        // An id outside the vocabulary has probability 0, not a crash.
        #expect(TokenScore.of(99, logits: logits).logprob == -.infinity)
    }

    @Test("a vocabulary-sized row agrees with a double-precision softmax: repeats of the maximum, −∞ logits, a tail")
    func vectorPasses() {
        var rng = SystemRandomNumberGenerator()
        for vocab in [49_155, 7, 1] {
            var logits = (0..<vocab).map { _ in Float.random(in: -12...9, using: &rng) }
            if vocab > 100 {
                logits[17] = -.infinity
                logits[vocab - 1] = 11  // the maximum in the tail, repeated in a vector lane: margin 0
                logits[40] = 11
            }
            let top = logits.max()!
            let z = logits.map { Double($0 - top) }, e = z.map { exp($0) }, sum = e.reduce(0, +)
            let entropy = log(sum) - zip(e, z).reduce(0) { $0 + ($1.0 == 0 ? 0 : $1.0 * $1.1) } / sum
            for token in [0, vocab / 2, vocab - 1] {
                let score = TokenScore.of(Int32(token), logits: logits)
                #expect(abs(Double(score.logprob) - (z[token] - log(sum))) < 1e-5, "vocab \(vocab) token \(token)")
                #expect(abs(Double(score.entropy) - entropy) < 1e-5)
            }
            let sorted = logits.sorted(by: >)
            #expect(TokenScore.of(0, logits: logits).margin == (vocab > 1 ? sorted[0] - sorted[1] : 0))
        }
        #expect(TokenScore.of(0, logits: [Float](repeating: 3, count: 9)).margin == 0)
        #expect(TokenScore.of(-1, logits: [1, 2]).logprob == -.infinity)
    }

    @Test("scores folded band by band (a rising maximum rescales the sums) agree with one pass; one band is exact")
    func bands() {
        var rng = SystemRandomNumberGenerator()
        let vocab = 10_007
        var logits = (0..<vocab).map { _ in Float.random(in: -15...6, using: &rng) }
        logits[9_000] = 14  // the maximum in a late band: every earlier band's sums move to it
        logits[3] = 13.5
        for token in [3, 5_000, 9_000, vocab - 1, -1] {
            let whole = TokenScore.of(Int32(token), logits: logits)
            for width in [vocab, 4_096, 1_000, 64, 7] {
                var state = pg_score_state()
                pg_score_begin(&state)
                var first = 0
                while first < vocab {
                    let n = min(width, vocab - first)
                    logits.withUnsafeBufferPointer {
                        pg_score_band($0.baseAddress! + first, n, Int64(token - first), &state)
                    }
                    first += n
                }
                var logprob: Float = 0, entropy: Float = 0, margin: Float = 0
                pg_score_end(&state, &logprob, &entropy, &margin)
                if width == vocab {
                    #expect(logprob == whole.logprob && entropy == whole.entropy && margin == whole.margin)
                } else if token < 0 {
                    #expect(logprob == -.infinity)
                } else {
                    #expect(abs(logprob - whole.logprob) < 1e-5, "token \(token), bands of \(width)")
                }
                #expect(abs(entropy - whole.entropy) < 1e-5 && margin == whole.margin, "bands of \(width)")
            }
        }
    }

    @Test(
        "teacher forcing scores every next token as the all-position logits do, band by band",
        .enabled(if: TestPaths.realModelTestsEnabled, "needs the model in models/"))
    func teacherForcing() throws {
        let lm = try GenerationTests.shared.get()
        let tokens = lm.tokenizer.encodePrompt(
            "The capital of France is Paris, and the capital of Peru is Lima.", parseSpecial: false)
        let scored = try lm.run([tokens], capture: .none, logits: .tokenScores)[0]
        let all = try lm.run([tokens], capture: .none, logits: .all)[0]
        let scores = try #require(scored.tokenScores)
        #expect(scores.count == tokens.count - 1)
        let vocab = lm.config.vocabSize, logits = try #require(all.allLogits)
        for t in 0..<(tokens.count - 1) {
            let direct = TokenScore.of(tokens[t + 1], logits: Array(logits[(t * vocab)..<((t + 1) * vocab)]))
            #expect(abs(direct.logprob - scores[t].logprob) < 1e-4 && abs(direct.entropy - scores[t].entropy) < 1e-4)
        }
        // " Paris" after "The capital of France is" is likely; the statement's tokens are not all equally surprising.
        #expect(scores.map(\.logprob).max()! > -1 && scores.map(\.logprob).min()! < -3)
    }

    @Test(
        "scores recorded while generating equal teacher forcing of the generated text",
        .enabled(if: TestPaths.realModelTestsEnabled, "needs the model in models/"))
    func generationScores() throws {
        let lm = try GenerationTests.shared.get()
        let prompt = try GoldenGreedy(in: TestPaths.golden).prompt_ids  // a chat turn asking for France's capital
        var parameters = SamplingParameters.greedy(maxTokens: 8)
        parameters.topLogprobs = 5
        var streamed: [GeneratedToken] = []
        let generation = try lm.generate(prompt: prompt, parameters: parameters) {
            streamed.append($0); return true
        }
        #expect(generation.scores.count == generation.tokens.count && !generation.tokens.isEmpty)
        let forced = try #require(
            try lm.run([prompt + generation.tokens], capture: .none, logits: .tokenScores)[0].tokenScores)
        for (i, score) in generation.scores.enumerated() {
            let reference = forced[prompt.count - 1 + i]
            #expect(
                abs(score.logprob - reference.logprob) < 0.05,
                "token \(i): decode \(score.logprob) vs prefill \(reference.logprob)")
        }
        // Greedy: the chosen token is the top alternative, with the same log-prob.
        for token in streamed {
            #expect(token.top.count == 5 && token.top[0].id == token.id)
            #expect(abs(token.top[0].logprob - token.score.logprob) < 1e-5)
        }
        parameters.topLogprobs = 21
        #expect(throws: InferenceError.self) { try lm.generate(prompt: prompt, parameters: parameters) }
    }
}
