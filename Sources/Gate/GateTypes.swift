// Value types shared by the gate's in-process API and the HTTP server: prompts, options, scores, answers.
import Foundation
import Hooks
import Inference
// Chat turns are the tokenizer's type (role + content), and scores and flags are the probes' own types; all are
// re-exported so that users of the gate can name them with `import Gate` alone.
// The finish reason is the engine's own, and the model identity the one a probe artifact records.
@_exported import enum Inference.FinishReason
@_exported import struct Probes.ModelIdentity
@_exported import enum Probes.ProbeFlag
@_exported import struct Probes.ProbeScore
@_exported import struct Tokenization.ChatMessage

/// What the model is asked: a chat (rendered with the model's chat template) or raw text (a plain completion).
public enum GatePrompt: Sendable, Equatable {
    /// `templateVariables`: `name=value` assignments this chat's template renders with, over the model's own
    /// (`--template-var`): the value read as JSON, else as text; e.g. `enable_thinking=false` for Qwen 3.
    case chat([ChatMessage], templateVariables: [String] = [])
    case text(String)

    /// What the answer answers: the last user message (chat) or the text; an `answer_exact` probe looks for the
    /// words of the answer that this does not already contain.
    public var question: String {
        switch self {
        case .chat(let messages, _): messages.last { $0.role == "user" }?.content ?? ""
        case .text(let text): text
        }
    }
}

/// Sampling and length limits for one generation.
public struct GenerationOptions: Sendable, Equatable {
    /// Most tokens to generate (the answer may end earlier at end-of-turn).
    public var maxTokens: Int
    /// 0 means greedy.
    public var temperature: Double
    /// Nucleus sampling mass; 1 disables it.
    public var topP: Double
    /// Seed for the sampler; nil picks one.
    public var seed: UInt64?
    /// Sample only from the K most likely tokens; 0 disables it.
    public var topK: Int
    /// OpenAI `stop`: the answer ends just before the first of these strings (finish `stop`); empty strings are ignored.
    public var stop: [String]
    /// Most likely alternatives to report with each token's log-prob (OpenAI `top_logprobs`), 0...20.
    public var topLogprobs: Int = 0

    public init(
        maxTokens: Int = 128, temperature: Double = 0, topP: Double = 1, seed: UInt64? = nil, topK: Int = 0,
        stop: [String] = []
    ) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.topK = topK
        self.stop = stop
    }
}

extension GenerationOptions {
    /// These options as the engine's sampling parameters (in single precision), with `seed` for the sampler.
    public func samplingParameters(seed: UInt64) -> SamplingParameters {
        var parameters = SamplingParameters(
            maxTokens: maxTokens, temperature: Float(temperature), topK: topK, topP: Float(topP), seed: seed)
        parameters.topLogprobs = topLogprobs
        return parameters
    }

    /// The options that sample as `parameters` do (stop token ids have no counterpart here and are dropped).
    public init(_ parameters: SamplingParameters) {
        self.init(
            maxTokens: parameters.maxTokens, temperature: Double(parameters.temperature), topP: Double(parameters.topP),
            seed: parameters.seed, topK: parameters.topK)
        topLogprobs = parameters.topLogprobs
    }
}

/// Where a score came from: which probe read which hooks at which position.
public struct Verdict: Sendable, Equatable {
    public var score: ProbeScore
    /// Probe name (the artifact's file stem unless it says otherwise).
    public var probe: String
    /// The hooks the probe read, in the order its input lays their rows end to end (one for most probes).
    public var hooks: [HookName]
    public var position: Position

    /// Which activation the verdict scored; responses show the raw value.
    public enum Position: String, Sendable, Equatable, CaseIterable {
        /// The last generated token before end-of-turn.
        case answer
        /// The mean, element-wise max, or exact-answer token of the answer (probes trained there, or on `mean`).
        case answerMean = "answer_mean", answerMax = "answer_max", answerExact = "answer_exact"
        /// The prompt's last token, read before decoding (a pre-generation probe).
        case question
        /// The prompt's last token because nothing was generated.
        case promptLast = "prompt_last"
        /// `/v1/score`: the text's last token, or the mean over its tokens.
        case last, mean
    }

    /// TransformerLens hook name as responses show it, e.g. `blocks.14.hook_resid_post`; a multi-layer probe's
    /// hooks joined by `+`.
    public var hook: String { hooks.map(\.description).joined(separator: "+") }

    public init(score: ProbeScore, probe: String, hooks: [HookName], position: Position) {
        self.score = score
        self.probe = probe
        self.hooks = hooks
        self.position = position
    }
}

/// One generated token with the probe's reading at its position.
public struct ScoredToken: Sendable, Equatable {
    /// 0-based index in the answer.
    public var index: Int
    public var id: Int
    /// The text this token adds to the answer (may be empty while a multi-byte character is incomplete).
    public var text: String
    /// The probe applied to this token's activation.
    public var score: ProbeScore
    /// ln P(token) under the model's distribution, the token's own bytes, and the most likely alternatives when
    /// asked for (`GenerationOptions.topLogprobs`).
    public var logprob: Double
    public var bytes: [UInt8]
    public var top: [TokenAlternative]

    public init(
        index: Int, id: Int, text: String, score: ProbeScore, logprob: Double = 0, bytes: [UInt8]? = nil,
        top: [TokenAlternative] = []
    ) {
        self.index = index
        self.id = id
        self.text = text
        self.score = score
        self.logprob = logprob
        self.bytes = bytes ?? Array(text.utf8)
        self.top = top
    }
}

/// A token and its log-prob (OpenAI's `logprobs` entries).
public struct TokenAlternative: Sendable, Equatable {
    public var id: Int
    /// The token's own bytes (a piece of a multi-byte character is not valid UTF-8 on its own).
    public var bytes: [UInt8]
    public var logprob: Double

    public init(id: Int, bytes: [UInt8], logprob: Double) {
        self.id = id
        self.bytes = bytes
        self.logprob = logprob
    }

    /// The bytes as text (U+FFFD for an incomplete character, as OpenAI does).
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// A generated answer with its verdict, before any policy is applied.
public struct GatedAnswer: Sendable, Equatable {
    public var text: String
    public var tokens: [ScoredToken]
    public var promptTokens: Int
    public var finishReason: FinishReason
    public var verdict: Verdict
    /// Wall time of the whole generation, and the part of it spent applying the probe.
    public var timing: GateTiming
    /// A pre-generation (`question`) probe flagged the prompt and nothing was decoded: `text` is empty and the
    /// verdict is the probe's score of the question.
    public var decidedBeforeDecode = false

    public init(
        text: String, tokens: [ScoredToken], promptTokens: Int, finishReason: FinishReason, verdict: Verdict,
        timing: GateTiming = GateTiming()
    ) {
        self.text = text
        self.tokens = tokens
        self.promptTokens = promptTokens
        self.finishReason = finishReason
        self.verdict = verdict
        self.timing = timing
    }
}

/// Where the time of one gated generation went (scoring overhead = `scoringSeconds / totalSeconds`).
public struct GateTiming: Sendable, Equatable {
    /// From the first engine call to the verdict, scoring included.
    public var totalSeconds: Double
    /// Time spent inside the probe's `score` (per-token and final).
    public var scoringSeconds: Double

    public init(totalSeconds: Double = 0, scoringSeconds: Double = 0) {
        self.totalSeconds = totalSeconds
        self.scoringSeconds = scoringSeconds
    }
}
