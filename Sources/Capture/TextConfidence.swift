import ActivationStore
import Inference

/// A text's tokens scored by teacher forcing: the span's per-token series (NaN for a token nothing predicted,
/// i.e. the sequence's very first token) and their summary.
struct TextConfidence {
    var logprobs: [Float] = [], entropies: [Float] = [], margins: [Float] = []
    var summary: ConfidenceSummary

    /// `scores[t]` scores token t + 1 of the sequence; `span` is the text's token positions in it.
    init(scores: [TokenScore], span: Range<Int>) {
        var scored: [TokenScore] = []
        for position in span {
            if position >= 1 && position - 1 < scores.count {
                let s = scores[position - 1]
                scored.append(s)
                logprobs.append(s.logprob); entropies.append(s.entropy); margins.append(s.margin)
            } else {
                logprobs.append(.nan); entropies.append(.nan); margins.append(.nan)
            }
        }
        summary = ConfidenceSummary(
            logprobs: scored.map(\.logprob), entropies: scored.map(\.entropy),
            margins: scored.map(\.margin))
    }
}
