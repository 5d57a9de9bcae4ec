import CKernels
import Hooks
import Foundation

/// How the next token is chosen. `temperature == 0` is greedy (argmax); otherwise softmax sampling at that
/// temperature, optionally restricted to the `topK` most likely tokens and to the smallest set whose probability
/// reaches `topP` (Holtzman et al. 2020, nucleus sampling). Seeded: the same seed gives the same tokens.
public struct SamplingParameters: Sendable, Hashable, Codable {
    /// Maximum number of tokens to generate (the end-of-turn token is not counted).
    public var maxTokens: Int
    /// 0 = greedy.
    public var temperature: Float
    /// 0 = no top-k restriction.
    public var topK: Int
    /// 1 = no nucleus restriction.
    public var topP: Float
    /// Seed of the sampling PRNG (ignored when greedy).
    public var seed: UInt64
    /// Extra token ids that end generation, besides the tokenizer's end-of-turn/eos ids.
    public var stopTokens: Set<Int32>
    /// How many most-likely alternatives to report with each generated token (`GeneratedToken.top`); 0 = none.
    /// Sampling is unaffected.
    public var topLogprobs: Int = 0

    public init(
        maxTokens: Int = 256, temperature: Float = 0, topK: Int = 0, topP: Float = 1, seed: UInt64 = 0,
        stopTokens: Set<Int32> = []
    ) {
        self.maxTokens = maxTokens; self.temperature = temperature; self.topK = topK; self.topP = topP
        self.seed = seed; self.stopTokens = stopTokens
    }

    /// Greedy decoding of at most `maxTokens` tokens.
    public static func greedy(maxTokens: Int = 256) -> SamplingParameters { SamplingParameters(maxTokens: maxTokens) }

    /// How a validation error names a parameter: as the command line's flag (`top-p`) or as the OpenAI API's field
    /// (`top_p`), whose bounds are also OpenAI's (at least one token, a temperature of at most 2).
    public enum Spelling: Sendable {
        case commandLine, openAI
    }

    /// The one validation of sampling options (the command line's and the gate's): throws
    /// `InferenceError.invalidSamplingParameter` naming the first out-of-range value.
    public func validate(spelling: Spelling = .commandLine) throws {
        let api = spelling == .openAI
        func fail(_ flag: String, _ field: String, _ value: String, _ expected: String) -> InferenceError {
            .invalidSamplingParameter(name: api ? field : flag, value: value, expected: expected)
        }
        if maxTokens < (api ? 1 : 0) {
            throw fail("max-tokens", "max_tokens", "\(maxTokens)", api ? "at least 1" : "≥ 0")
        }
        if !(temperature >= 0) || !temperature.isFinite || (api && temperature > 2) {
            throw fail("temperature", "temperature", "\(temperature)", api ? "0...2" : "a finite value ≥ 0")
        }
        // In single precision, as the sampler works: a top_p that rounds to 0 (1e-320) would keep no token.
        if !(topP > 0 && topP <= 1) {
            throw fail("top-p", "top_p", "\(topP)", "a number in (0, 1]")
        }
        if topLogprobs < 0 || topLogprobs > 20 {
            throw fail("top-logprobs", "top_logprobs", "\(topLogprobs)", "0...20")
        }
        if topK < 0 {
            throw fail("top-k", "top_k", "\(topK)", "0 (off) or more")
        }
    }
}

/// Chooses tokens from logits according to `SamplingParameters`, with its own seeded PRNG.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var rng: SeededGenerator

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        rng = SeededGenerator(state: parameters.seed)
    }

    /// The index of the largest logit (the first one on ties).
    public static func argmax(_ logits: [Float]) -> Int32 {
        logits.withUnsafeBufferPointer { Int32(pg_argmax($0.baseAddress, $0.count)) }
    }

    /// Picks the next token from `logits` `[vocab]`.
    public mutating func sample(_ logits: [Float]) -> Int32 {
        let p = parameters
        if p.temperature == 0 || p.topK == 1 { return Sampler.argmax(logits) }
        let maxLogit = logits.max() ?? 0
        // Tokens more than 30·T below the best have relative probability < e^-30: leaving them out changes
        // no probability by more than vocab · 1e-13.
        let floor = maxLogit - 30 * p.temperature
        var candidates: [(id: Int32, logit: Float)] = []
        candidates.reserveCapacity(1024)
        for (i, v) in logits.enumerated() where v >= floor { candidates.append((Int32(i), v)) }
        candidates.sort { $0.logit > $1.logit || ($0.logit == $1.logit && $0.id < $1.id) }
        if p.topK > 0 && candidates.count > p.topK { candidates.removeLast(candidates.count - p.topK) }
        var probs = candidates.map { exp(Double(($0.logit - maxLogit) / p.temperature)) }
        var sum = probs.reduce(0, +)
        if p.topP < 1 {
            var cumulative = 0.0, keep = probs.count
            for (i, q) in probs.enumerated() {
                cumulative += q / sum
                if cumulative >= Double(p.topP) { keep = i + 1; break }
            }
            probs.removeLast(probs.count - keep)
            sum = probs.reduce(0, +)
        }
        let u = Double(rng.next() >> 11) / Double(1 << 53) * sum
        var acc = 0.0
        for (i, q) in probs.enumerated() {
            acc += q
            if u < acc { return candidates[i].id }
        }
        return candidates[probs.count - 1].id
    }
}
