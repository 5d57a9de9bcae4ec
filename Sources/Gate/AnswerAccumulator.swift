// Turns the engine's generated tokens into scored answer tokens and the answer's verdict.
import Foundation
import Probes

/// State of one gated generation, fed token by token (each with the activation at its own position).
struct AnswerAccumulator {
    let probe: any TruthProbe
    private(set) var tokens: [ScoredToken] = []
    private(set) var scoringSeconds = 0.0
    /// Each answer token's activation `[tokens, d_model]` (for the verdict, and to drop tokens cut by a stop sequence).
    private var activations: [[Float]] = []

    init(probe: any TruthProbe) {
        self.probe = probe
    }

    /// `answer_mean` for probes trained on mean positions, `answer` otherwise; `prompt_last` if nothing was generated.
    var verdictPosition: String {
        if tokens.isEmpty { return "prompt_last" }
        return probe.position == "mean" ? "answer_mean" : "answer"
    }

    /// Scores one generated token.
    mutating func accept(_ step: GenerationStep) -> ScoredToken {
        let score = timedScore(step.activation)
        let token = ScoredToken(index: tokens.count, id: step.token, text: step.text, score: score,
                                logprob: step.chosen?.logprob ?? 0, bytes: step.chosen?.bytes, top: step.top)
        tokens.append(token)
        activations.append(step.activation)
        return token
    }

    /// Keeps only the first `kept.count` tokens, as given (the last may be cut short where a stop sequence begins).
    mutating func keep(_ kept: [ScoredToken]) {
        tokens = kept
        activations.removeLast(max(0, activations.count - kept.count))
    }

    /// The verdict's score: the last answer token (or the answer's mean for a `mean` probe), or the last prompt
    /// token when the answer is empty.
    mutating func verdict(lastPromptActivation: [Float]) -> ProbeScore {
        guard let last = activations.last else { return timedScore(lastPromptActivation) }
        if probe.position == "mean" { return timedScore(ActivationMath.mean(activations)) }
        return timedScore(last)
    }

    private mutating func timedScore(_ activation: [Float]) -> ProbeScore {
        let start = DispatchTime.now().uptimeNanoseconds
        let score = probe.score(activation)
        scoringSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return score
    }
}

/// Small vector helpers for pooling activations.
enum ActivationMath {
    /// Adds `vector` to `sum` element-wise (`sum` starts empty).
    static func accumulate(_ vector: [Float], into sum: inout [Float]) {
        if sum.isEmpty {
            sum = vector
            return
        }
        for i in 0..<min(sum.count, vector.count) { sum[i] += vector[i] }
    }

    /// Mean of rows `[n, d]` → `[d]`.
    static func mean(_ rows: [[Float]]) -> [Float] {
        var sum: [Float] = []
        for row in rows { accumulate(row, into: &sum) }
        let n = Float(max(rows.count, 1))
        return sum.map { $0 / n }
    }
}
