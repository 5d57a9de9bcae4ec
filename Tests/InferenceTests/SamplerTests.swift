import Foundation
import Hooks
import Testing
@testable import Inference

@Suite("Sampling")
struct SamplerTests {
    let logits: [Float] = [0.1, 2.5, -1, 2.4, 0.3, log(0.5)]

    @Test("greedy picks the argmax, first one on ties")
    func greedy() {
        var s = Sampler(.greedy())
        #expect(s.sample(logits) == 1)
        #expect(Sampler.argmax([1, 3, 3, 0]) == 1)
    }

    @Test("the vector argmax equals a scalar first-greater scan (ties, NaN, ±0, −∞, every tail length)")
    func vectorArgmax() {
        func scan(_ x: [Float]) -> Int32 {
            var best = 0, value = -Float.infinity
            for (i, v) in x.enumerated() where v > value { best = i; value = v }
            return Int32(best)
        }
        var rng = SeededGenerator(state: 11)
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 63, 100, 49_155] {
            for pattern in 0..<12 {
                var x = (0..<n).map { _ in Float(Int(rng.next() % 64)) - 32 }  // few distinct values: many ties
                for i in x.indices {
                    switch (pattern, rng.next() % 7) {
                    case (1, 0): x[i] = .nan
                    case (2, _): x[i] = -.infinity
                    case (3, 0): x[i] = -.infinity
                    case (4, _): x[i] = rng.next() % 2 == 0 ? 0 : -0.0
                    case (5, _): x[i] = .nan
                    case (6, 0): x[i] = .infinity
                    default: break
                    }
                }
                if pattern == 7, n > 0 { x[n - 1] = 1000 }  // the maximum in the tail
                if pattern == 8, n > 1 { x[0] = .nan; x[1] = 1000 }
                #expect(Sampler.argmax(x) == scan(x), "n \(n), pattern \(pattern)")
            }
        }
    }

    @Test("a seed makes sampling reproducible, and different seeds differ")
    func seeded() {
        let p = SamplingParameters(temperature: 1.5, seed: 42)
        var a = Sampler(p), b = Sampler(p), c = Sampler(SamplingParameters(temperature: 1.5, seed: 43))
        let ra = (0..<50).map { _ in a.sample(logits) }, rb = (0..<50).map { _ in b.sample(logits) }
        let rc = (0..<50).map { _ in c.sample(logits) }
        #expect(ra == rb)
        #expect(ra != rc)
    }

    @Test("temperature-1 sampling follows the softmax probabilities")
    func distribution() {
        let l: [Float] = [log(0.5), log(0.3), log(0.2)]
        var s = Sampler(SamplingParameters(temperature: 1, seed: 9))
        var counts = [0, 0, 0]
        let n = 20000
        for _ in 0..<n { counts[Int(s.sample(l))] += 1 }
        for (i, p) in [0.5, 0.3, 0.2].enumerated() { #expect(abs(Double(counts[i]) / Double(n) - p) < 0.02) }
    }

    @Test("top-k and top-p restrict the candidates")
    func restrictions() {
        var k2 = Sampler(SamplingParameters(temperature: 5, topK: 2, seed: 1))
        #expect(Set((0..<300).map { _ in k2.sample(logits) }) == [1, 3])
        var nucleus = Sampler(SamplingParameters(temperature: 1, topP: 0.3, seed: 1))
        #expect(Set((0..<300).map { _ in nucleus.sample(logits) }) == [1])
        var k1 = Sampler(SamplingParameters(temperature: 3, topK: 1, seed: 5))
        #expect((0..<20).allSatisfy { _ in k1.sample(logits) == 1 })
    }

    @Test("out-of-range parameters are rejected with the parameter's name")
    func validation() {
        let cases: [(SamplingParameters, String)] = [
            (SamplingParameters(temperature: -1), "temperature"), (SamplingParameters(topP: 0), "top-p"),
            (SamplingParameters(topK: -2), "top-k"), (SamplingParameters(maxTokens: -1), "max-tokens"),
        ]
        for (parameters, name) in cases {
            do {
                try parameters.validate()
                Issue.record("\(name): expected a validation error")
            } catch {
                #expect(error is InferenceError)
                #expect(String(describing: error).contains(name), "the error does not name \(name): \(error)")
            }
        }
        #expect(throws: Never.self) {
            try SamplingParameters(maxTokens: 5, temperature: 0.7, topK: 40, topP: 0.9).validate()
        }
    }

    @Test("the OpenAI spelling names the API's fields and applies its bounds (max_tokens ≥ 1, temperature ≤ 2)")
    func openAISpelling() {
        let cases: [(SamplingParameters, String)] = [
            (SamplingParameters(maxTokens: 0), "max_tokens"), (SamplingParameters(temperature: 2.5), "temperature"),
            (SamplingParameters(topP: 0), "top_p"), (SamplingParameters(topK: -1), "top_k"),
        ]
        for (parameters, name) in cases {
            do {
                try parameters.validate(spelling: .openAI)
                Issue.record("\(name): expected a validation error")
            } catch InferenceError.invalidSamplingParameter(let got, _, _) {
                #expect(got == name)
            } catch {
                Issue.record("\(name): unexpected error \(error)")
            }
        }
        #expect(throws: Never.self) { try SamplingParameters(maxTokens: 0, temperature: 2.5).validate() }
    }
}
