// What the gate needs from a language model: tokenising, generating with a probe's hooks captured, and a scoring pass.
// The real engine (module Inference) is adapted to it in InferenceGateEngine.swift; tests use a fake.
import Hooks
import Inference
import Probes

/// One generated token with the hook's activation at its own position: what the model computes when this
/// token is its input (the hidden state from which the next token is predicted).
public struct GenerationStep: Sendable {
    /// The generated token id (never the end-of-turn token: that one ends generation instead).
    public var token: Int
    /// Text this token adds (empty while a multi-byte UTF-8 character is incomplete).
    public var text: String
    /// The captured hook at this token's position: `[d_model]`.
    public var activation: [Float]
    /// The token itself with its log-prob (bytes included), and `options.topLogprobs` most likely alternatives.
    public var chosen: TokenAlternative?
    public var top: [TokenAlternative]
    /// Entropy (nats) of the distribution this token was drawn from, and ln P(top-1) − ln P(top-2) (NaN: unknown).
    public var entropy: Double = .nan
    public var margin: Double = .nan

    public init(
        token: Int, text: String, activation: [Float], chosen: TokenAlternative? = nil, top: [TokenAlternative] = []
    ) {
        self.token = token
        self.text = text
        self.activation = activation
        self.chosen = chosen
        self.top = top
    }
}

/// How a generation ended, and what the gate needs when nothing was generated.
public struct GenerationSummary: Sendable {
    public var finishReason: FinishReason
    /// The whole answer text (the steps' texts plus any bytes the decoder flushed at the end).
    public var text: String
    /// The hook at the last prompt token `[d_model]` (the verdict of an empty answer).
    public var lastPromptActivation: [Float]

    public init(finishReason: FinishReason, text: String, lastPromptActivation: [Float]) {
        self.finishReason = finishReason
        self.text = text
        self.lastPromptActivation = lastPromptActivation
    }
}

/// A language model the gate can drive. With a ``GateQueue`` of `parallel` 1 calls come from one thread at a time,
/// so an implementation need not be thread-safe; with more, `generate` is called from several threads at once
/// (`InferenceGateEngine` batches those generations' decode steps). `Sendable` so that the queue may own it.
public protocol GateEngine: AnyObject, Sendable {
    /// Identity of the loaded weights (compared with each probe's `model`).
    var model: ModelIdentity { get }
    /// Width of the residual stream (what a probe reads).
    var dModel: Int { get }
    /// Most positions (prompt + generated) the engine accepts.
    var contextLength: Int { get }
    /// True when `hook` names a hook point this model has (e.g. layer in range).
    func hasHook(_ hook: HookName) -> Bool
    /// Token ids for a chat rendered with the model's chat template, ending with the assistant turn opener;
    /// `templateVariables` (`name=value`, the value JSON or text) are set for this render over the model's own.
    /// Throws ``GateError/chatTemplateRefused(_:)`` when the template refuses the conversation or a variable.
    func chatTokens(_ messages: [ChatMessage], templateVariables: [String]) throws -> [Int]
    /// Token ids for raw text (with the BOS token when the model uses one).
    func textTokens(_ text: String) throws -> [Int]
    /// Generates from `prompt`, capturing `hooks` at every generated token's position (the last one included),
    /// until an end-of-turn token is sampled (finish `stop`), `options.maxTokens` tokens were generated (`length`),
    /// or `onStep` returns false (`cancelled`). Every activation handed over (each step's, the prompt's last) is the
    /// hooks' rows laid end to end in the order of `hooks` (one hook: its row; several: a multi-layer probe).
    /// `onPrompt` gets that at the prompt's last token once the prompt has gone through the model, before any
    /// token is sampled; returning false ends there (no tokens, finish `cancelled`).
    func generate(
        prompt: [Int], options: GenerationOptions, hooks: [HookName], onPrompt: ([Float]) -> Bool,
        onStep: (GenerationStep) -> Bool
    ) throws -> GenerationSummary
    /// One forward pass per sequence, capturing `hooks` at every position: per sequence each position's rows of
    /// `hooks` laid end to end, `[tokens, hooks × d_model]`.
    func activations(of sequences: [[Int]], hooks: [HookName]) throws -> [[[Float]]]
    /// True when the model carries a chat template, so that questions go through `chatTokens` (which reports a
    /// template that cannot be used); false for a base model without one.
    var hasChatTemplate: Bool { get }
    /// Token ids of `text` as an answer that continues a prompt (no BOS; special-token text stays text).
    func answerTokens(_ text: String) throws -> [Int]
    /// Each prompt followed by its given answer (teacher forcing, batched passes): per pair the rows of `hooks` (end
    /// to end) at the prompt's last token, and one step per answer token as `generate` hands them over — its
    /// activation and the model's log-prob of it, entropy and margin, from the logits at the position before it.
    func teacherForced(_ pairs: [(prompt: [Int], answer: [Int])], hooks: [HookName]) throws -> [(
        promptLast: [Float], steps: [GenerationStep]
    )]
    /// nil while the weights the engine reads are intact; otherwise why they are not (a memory-mapped model file
    /// truncated or rewritten in place). Cheap (one `fstat`): checked before every use.
    func modelFileProblem() -> String?
}

extension GateEngine {
    public func modelFileProblem() -> String? { nil }

    public var hasChatTemplate: Bool { true }

    /// One hook.
    public func generate(
        prompt: [Int], options: GenerationOptions, hook: HookName, onPrompt: ([Float]) -> Bool,
        onStep: (GenerationStep) -> Bool
    ) throws -> GenerationSummary {
        try generate(prompt: prompt, options: options, hooks: [hook], onPrompt: onPrompt, onStep: onStep)
    }

    /// One hook: per sequence `[tokens, d_model]`.
    public func activations(of sequences: [[Int]], hook: HookName) throws -> [[[Float]]] {
        try activations(of: sequences, hooks: [hook])
    }

    /// Generation without a look at the prompt first.
    public func generate(
        prompt: [Int], options: GenerationOptions, hook: HookName,
        onStep: (GenerationStep) -> Bool
    ) throws -> GenerationSummary {
        try generate(prompt: prompt, options: options, hook: hook, onPrompt: { _ in true }, onStep: onStep)
    }
}

/// A trained truth probe the gate can apply (module Probes' artifact is adapted to it in ArtifactTruthProbe.swift).
public protocol TruthProbe: Sendable {
    /// Name shown in responses and used to select the probe per request.
    var name: String { get }
    /// Hook the probe was trained on (of a multi-layer probe: the first of `hooks`), parsed when it was loaded.
    var hook: HookName { get }
    /// Every hook the probe reads, in the order its input lays their rows end to end (`[hook]` for most probes).
    var hooks: [HookName] { get }
    /// Position it was trained on (`last`, `mean`, `answer`, `question`, `answer_max`, …).
    var position: ProbePosition { get }
    /// Model the probe was trained on.
    var model: ModelIdentity { get }
    /// Length of the activation vector it reads (of a multi-layer probe: every hook's row, end to end).
    var inputWidth: Int { get }
    /// Scores one activation `[inputWidth]`.
    func score(_ activation: [Float]) -> ProbeScore
    /// The `/confidence` columns the probe reads besides the activation (a hybrid probe); empty for most probes.
    var confidenceFeatures: [String] { get }
    /// Scores an activation with the answer's confidences so far (column → value).
    func score(_ activation: [Float], confidence: [String: Double]) -> ProbeScore
}

extension TruthProbe {
    public var hooks: [HookName] { [hook] }
    /// What responses name as the probe's hook: `hook`, or a multi-layer probe's hooks joined by `+`.
    public var hookLabel: String { hooks.map(\.description).joined(separator: "+") }
    public var confidenceFeatures: [String] { [] }
    public func score(_ activation: [Float], confidence: [String: Double]) -> ProbeScore { score(activation) }
}
