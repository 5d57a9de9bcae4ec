import ArgumentParser
import Capture
import Inference

/// How generated tokens are chosen, for `generate` and `capture` (one set of flags): greedy unless `--temperature`.
struct SamplingOptions: ParsableArguments {
    @Option(
        help:
            "Sample at this temperature instead of taking the most likely token (generate: 0, the default, is greedy; capture: samples the answers, e.g. several captures with different --seed, recorded as the file's answer_sampling)."
    )
    var temperature: Float?
    @Option(help: "With --temperature: sample only from the K most likely tokens (0 = off).") var topK = 0
    @Option(help: "With --temperature: nucleus sampling threshold in (0, 1] (1 = off).") var topP: Float = 1
    @Option(
        help:
            "With --temperature: the seed (capture seeds each question's generator with it and the question's text, so an answer does not depend on --batch-size, --shard or --resume)."
    )
    var seed: UInt64 = 0

    /// `generate`'s parameters: greedy when `--temperature` is left out.
    func parameters(maxTokens: Int) -> SamplingParameters {
        SamplingParameters(maxTokens: maxTokens, temperature: temperature ?? 0, topK: topK, topP: topP, seed: seed)
    }

    /// `capture`'s sampled answers, nil (greedy) without `--temperature`; the other flags alone are refused there.
    func answerSampling() throws -> AnswerSampling? {
        guard let temperature else {
            if topK != 0 || topP != 1 || seed != 0 {
                throw ValidationError(
                    "--top-k, --top-p and --seed choose how answers are sampled: give --temperature too")
            }
            return nil
        }
        let sampling = AnswerSampling(temperature: temperature, topK: topK, topP: topP, seed: seed)
        do { try sampling.validate() } catch { throw ValidationError("\(error)") }
        return sampling
    }
}
