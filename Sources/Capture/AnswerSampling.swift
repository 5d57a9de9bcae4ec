import Hooks
import Inference

/// Generated answers sampled instead of chosen greedily (`capture --temperature`): several captures of the same
/// questions with different seeds give several answers to each, e.g. for labels from the agreement between samples
/// (semantic entropy, Farquhar et al. 2024, Nature; semantic-entropy probes, Kossen et al. 2024, arXiv 2406.15927).
/// Each question draws from its own generator, seeded by `seed` and the question's text, so an answer does not depend
/// on the batch it was decoded in, on `--shard` or on `--resume` (and a question asked twice in one file gets the same
/// answer twice: vary `seed` across captures for more answers).
public struct AnswerSampling: Sendable, Equatable {
    public var temperature: Float
    public var topK: Int
    public var topP: Float
    public var seed: UInt64

    public init(temperature: Float, topK: Int = 0, topP: Float = 1, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
    }

    /// The file's `answer_sampling` attribute; a `--resume` must ask for the same.
    public var description: String { "temperature=\(temperature) top_p=\(topP) top_k=\(topK) seed=\(seed)" }

    /// What `question`'s answer is generated with.
    public func parameters(question: String, maxTokens: Int) -> SamplingParameters {
        SamplingParameters(
            maxTokens: maxTokens, temperature: temperature, topK: topK, topP: topP,
            seed: Self.questionSeed(seed ^ Self.fnv1a(question)))
    }

    /// Out-of-range values, in the command line's words (`SamplingParameters.validate`); a temperature of 0 would be
    /// greedy, which is what leaving sampling out means.
    public func validate() throws {
        try SamplingParameters(maxTokens: 1, temperature: temperature, topK: topK, topP: topP).validate()
        if temperature == 0 {
            throw InferenceError.invalidSamplingParameter(
                name: "temperature", value: "0",
                expected: "a value > 0 to sample answers (leave --temperature out for greedy answers)")
        }
    }

    /// 64-bit FNV-1a of the text's UTF-8 bytes.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    /// The first output of the sampler's own generator (SplitMix64) from `value`, so that nearby seeds give unrelated
    /// streams.
    static func questionSeed(_ value: UInt64) -> UInt64 {
        var generator = SeededGenerator(state: value)
        return generator.next()
    }
}
