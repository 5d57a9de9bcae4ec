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

    /// Throws `InferenceError.invalidSamplingParameter` for out-of-range values.
    public func validate() throws {
        if maxTokens < 0 {
            throw InferenceError.invalidSamplingParameter(name: "max-tokens", value: "\(maxTokens)", expected: "≥ 0")
        }
        if !(temperature >= 0) || !temperature.isFinite {
            throw InferenceError.invalidSamplingParameter(
                name: "temperature", value: "\(temperature)", expected: "a finite value ≥ 0")
        }
        if topK < 0 {
            throw InferenceError.invalidSamplingParameter(name: "top-k", value: "\(topK)", expected: "≥ 0 (0 = off)")
        }
        if !(topP > 0 && topP <= 1) {
            throw InferenceError.invalidSamplingParameter(name: "top-p", value: "\(topP)", expected: "in (0, 1]")
        }
        if topLogprobs < 0 || topLogprobs > 20 {
            throw InferenceError.invalidSamplingParameter(
                name: "top_logprobs", value: "\(topLogprobs)", expected: "0...20")
        }
    }
}

/// Chooses tokens from logits according to `SamplingParameters`, with its own seeded PRNG.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var rng: SplitMix64

    public init(_ parameters: SamplingParameters) {
        self.parameters = parameters
        rng = SplitMix64(seed: parameters.seed)
    }

    /// The index of the largest logit (the first one on ties).
    public static func argmax(_ logits: [Float]) -> Int32 {
        var best = 0
        var bestValue = -Float.infinity
        for (i, v) in logits.enumerated() where v > bestValue { best = i; bestValue = v }
        return Int32(best)
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
