/// The model's own confidence in one example's tokens, stored under `/confidence/*` (additive to format_version 1):
/// for a generated answer its tokens as sampled, for a statement its tokens under teacher forcing. These are the
/// baselines a truth probe has to beat (Kadavath et al. 2022; Farquhar et al., Nature 2024).
public struct ConfidenceSummary: Sendable, Hashable, Codable {
    /// Mean of ln P(token | prefix).
    public var meanLogprob: Float
    /// Lowest ln P(token | prefix).
    public var minLogprob: Float
    /// Mean entropy of the next-token distributions, in nats.
    public var meanEntropy: Float
    /// Mean of ln P(top-1) − ln P(top-2).
    public var meanMargin: Float

    public init(meanLogprob: Float, minLogprob: Float, meanEntropy: Float, meanMargin: Float) {
        self.meanLogprob = meanLogprob
        self.minLogprob = minLogprob
        self.meanEntropy = meanEntropy
        self.meanMargin = meanMargin
    }

    /// Summarises per-token series of equal length; NaN everywhere when there are no scored tokens (an empty
    /// answer, or a raw one-token statement whose only token nothing predicted).
    public init(logprobs: [Float], entropies: [Float], margins: [Float]) {
        guard !logprobs.isEmpty else {
            self.init(meanLogprob: .nan, minLogprob: .nan, meanEntropy: .nan, meanMargin: .nan)
            return
        }
        func mean(_ values: [Float]) -> Float { Float(values.reduce(0.0) { $0 + Double($1) } / Double(values.count)) }
        self.init(
            meanLogprob: mean(logprobs), minLogprob: logprobs.min() ?? .nan, meanEntropy: mean(entropies),
            meanMargin: mean(margins))
    }

    /// Values in the order of `ConfidenceSummary.columns`.
    public var values: [Float] { [meanLogprob, minLogprob, meanEntropy, meanMargin] }

    /// Dataset names under `/confidence`, one float32 per example each.
    public static let columns = ["mean_logprob", "min_logprob", "mean_entropy", "mean_margin"]
    /// Per-token series under `/confidence` for position `all` files, float32 per activation row, aligned with
    /// `/tokens/offsets` (NaN for a first token nothing predicted).
    public static let tokenColumns = ["token_logprob", "token_entropy", "token_margin"]
}
