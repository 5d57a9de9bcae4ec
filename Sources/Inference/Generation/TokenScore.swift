import CKernels
import Foundation

/// How confident the model was about one token, from the logits that predicted it: the model's own confidence,
/// the baseline every truth probe has to beat (token log-prob, entropy and top-1/top-2 margin, as in the
/// uncertainty baselines of Kadavath et al. 2022 and Farquhar et al., Nature 2024).
public struct TokenScore: Sendable, Hashable, Codable {
    /// ln P(token | prefix) under the model's distribution (temperature 1, no top-k/top-p).
    public var logprob: Float
    /// Entropy of the next-token distribution, in nats.
    public var entropy: Float
    /// ln P(top-1) − ln P(top-2): how far the first choice was ahead of the second.
    public var margin: Float

    public init(logprob: Float, entropy: Float, margin: Float) {
        self.logprob = logprob
        self.entropy = entropy
        self.margin = margin
    }

    /// Scores `token` against `logits[0..<vocab]`: two vector passes (`pg_token_score`; e^z within ~2 ulp of
    /// `expf`, sums in double precision).
    public static func of(_ token: Int32, logits: UnsafePointer<Float>, vocab: Int) -> TokenScore {
        var logprob: Float = 0, entropy: Float = 0, margin: Float = 0
        pg_token_score(logits, vocab, Int64(token), &logprob, &entropy, &margin)
        return TokenScore(logprob: logprob, entropy: entropy, margin: margin)
    }

    /// Scores `token` against a logits array.
    public static func of(_ token: Int32, logits: [Float]) -> TokenScore {
        logits.withUnsafeBufferPointer { of(token, logits: $0.baseAddress!, vocab: $0.count) }
    }

    /// The `k` most likely tokens and their log-probs, most likely first (OpenAI's `top_logprobs`).
    public static func top(_ k: Int, logits: [Float]) -> [(id: Int32, logprob: Float)] {
        guard k > 0, !logits.isEmpty else { return [] }
        var best: [(id: Int32, logit: Float)] = []
        best.reserveCapacity(k + 1)
        var maxLogit = -Float.infinity
        for (i, v) in logits.enumerated() {
            if v > maxLogit { maxLogit = v }
            if best.count < k || v > best[best.count - 1].logit {
                let at = best.firstIndex { $0.logit < v } ?? best.count
                best.insert((Int32(i), v), at: at)
                if best.count > k { best.removeLast() }
            }
        }
        var sum = 0.0
        for v in logits { sum += exp(Double(v - maxLogit)) }
        let logZ = log(sum)
        return best.map { ($0.id, Float(Double($0.logit - maxLogit) - logZ)) }
    }
}
