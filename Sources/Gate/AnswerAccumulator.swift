// Turns the engine's generated tokens into scored answer tokens and the answer's verdict.
import Foundation
import Probes

/// State of one gated generation, fed token by token (each with the activation at its own position).
struct AnswerAccumulator {
    let probe: any TruthProbe
    private(set) var tokens: [ScoredToken] = []
    private(set) var text = ""
    private(set) var scoringSeconds = 0.0
    /// Activation of the last answer token `[d_model]`.
    private var lastActivation: [Float]?
    /// Sum of the answer tokens' activations `[d_model]`, for mean-position probes.
    private var activationSum: [Float] = []

    init(probe: any TruthProbe) {
        self.probe = probe
    }

    /// `answer_mean` for probes trained on mean positions, `answer` otherwise; `prompt_last` if nothing was generated.
    var verdictPosition: String {
        if tokens.isEmpty { return "prompt_last" }
        return probe.position == "mean" ? "answer_mean" : "answer"
    }

    /// Scores one generated token and hands it to `onToken`; returns whether generation should go on.
    mutating func accept(_ step: GenerationStep, onToken: (ScoredToken) -> Bool) -> Bool {
        let score = timedScore(step.activation)
        let token = ScoredToken(index: tokens.count, id: step.token, text: step.text, score: score)
        tokens.append(token)
        text += step.text
        lastActivation = step.activation
        ActivationMath.accumulate(step.activation, into: &activationSum)
        return onToken(token)
    }

    /// The verdict's score: the last answer token (or the answer's mean for a `mean` probe), or the last prompt
    /// token when the answer is empty.
    mutating func verdict(lastPromptActivation: [Float]) -> ProbeScore {
        guard let lastActivation else { return timedScore(lastPromptActivation) }
        if probe.position == "mean" {
            let n = Float(tokens.count)
            return timedScore(activationSum.map { $0 / n })
        }
        return timedScore(lastActivation)
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
