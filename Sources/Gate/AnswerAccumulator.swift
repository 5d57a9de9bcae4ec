// Turns the engine's generated tokens into scored answer tokens and the answer's verdict.
import Foundation
import Hooks
import Inference
import Probes

/// State of one gated generation, fed token by token (each with the activation at its own position).
struct AnswerAccumulator {
    let probe: any TruthProbe
    /// The question the answer answers (for the exact-answer position).
    let question: String
    private(set) var tokens: [ScoredToken] = []
    private(set) var scoringSeconds = 0.0
    /// Each answer token's activation `[tokens, d_model]` (for the verdict, and to drop tokens cut by a stop sequence).
    private var activations: [[Float]] = []
    /// Per-token log-prob, entropy and margin of the answer so far (a hybrid probe reads their summary, kept as
    /// running sums so that scoring each token stays O(1)).
    private var logprobs: [Double] = [], entropies: [Double] = [], margins: [Double] = []
    private var sums = (logprob: 0.0, entropy: 0.0, margin: 0.0, minLogprob: Double.nan)

    init(probe: any TruthProbe, question: String = "") {
        self.probe = probe
        self.question = question
    }

    /// `question` for a pre-generation probe; `prompt_last` if nothing was generated; otherwise the answer position
    /// read: `answer_max` and `answer_exact` as trained, `answer_mean` for probes trained on means, `answer` for the rest.
    var verdictPosition: Verdict.Position {
        switch probe.position {
        case .question: return .question
        case _ where tokens.isEmpty: return .promptLast
        case .answerMax: return .answerMax
        case .answerExact: return .answerExact
        case .mean, .answerMean: return .answerMean
        case .last, .all, .answer: return .answer
        }
    }

    /// Scores one generated token.
    mutating func accept(_ step: GenerationStep) -> ScoredToken {
        let logprob = step.chosen?.logprob ?? .nan
        logprobs.append(logprob)
        entropies.append(step.entropy)
        margins.append(step.margin)
        sums.logprob += logprob; sums.entropy += step.entropy; sums.margin += step.margin
        sums.minLogprob = sums.minLogprob.isNaN ? logprob : Swift.min(sums.minLogprob, logprob)
        let score = timedScore(step.activation)
        let token = ScoredToken(
            index: tokens.count, id: step.token, text: step.text, score: score,
            logprob: step.chosen?.logprob ?? 0, bytes: step.chosen?.bytes, top: step.top)
        tokens.append(token)
        activations.append(step.activation)
        return token
    }

    /// Keeps only the first `kept.count` tokens, as given (the last may be cut short where a stop sequence begins).
    mutating func keep(_ kept: [ScoredToken]) {
        tokens = kept
        let cut = max(0, activations.count - kept.count)
        activations.removeLast(cut)
        logprobs.removeLast(min(cut, logprobs.count)); entropies.removeLast(min(cut, entropies.count))
        margins.removeLast(min(cut, margins.count))
        if cut > 0 {  // rare (a stop sequence cut the answer): recompute from what is kept
            sums = (logprobs.reduce(0, +), entropies.reduce(0, +), margins.reduce(0, +), logprobs.min() ?? .nan)
        }
    }

    /// The verdict's score: the last answer token (or the answer's mean for a `mean` probe), or the last prompt
    /// token when the answer is empty.
    mutating func verdict(lastPromptActivation: [Float]) -> ProbeScore {
        // A pre-generation probe reads the prompt's last token whatever was generated.
        guard probe.position != .question, let last = activations.last else { return timedScore(lastPromptActivation) }
        switch probe.position {
        case .mean, .answerMean: return timedScore(Pooling.mean(activations))
        case .answerMax: return timedScore(Pooling.max(activations))
        case .answerExact:  // as capture stores it: the exact answer's last token, else the last
            let k = ExactAnswer.lastToken(question: question, tokenBytes: tokens.map(\.bytes)) ?? activations.count - 1
            return timedScore(activations[min(k, activations.count - 1)])
        case .last, .all, .answer, .question: return timedScore(last)
        }
    }

    /// The answer's confidences so far, as `/confidence` columns (what capture stores for the same tokens).
    var confidence: [String: Double] {
        let n = Double(logprobs.count)
        guard n > 0 else {
            return ["mean_logprob": .nan, "min_logprob": .nan, "mean_entropy": .nan, "mean_margin": .nan]
        }
        return [
            "mean_logprob": sums.logprob / n, "min_logprob": sums.minLogprob,
            "mean_entropy": sums.entropy / n, "mean_margin": sums.margin / n,
        ]
    }

    private mutating func timedScore(_ activation: [Float]) -> ProbeScore {
        let start = DispatchTime.now().uptimeNanoseconds
        let score =
            probe.confidenceFeatures.isEmpty
            ? probe.score(activation)
            : probe.score(activation, confidence: confidence)
        scoringSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return score
    }
}
