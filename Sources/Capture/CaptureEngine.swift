import Hooks
import Inference

/// What the capture pipeline needs from a model (typed hook names, token ids as Int32).
/// `EngineCaptureAdapter` adapts the Inference engine to it; pipeline tests use a fake, so windowing, resume and
/// grading are tested without running a model.
public protocol CaptureEngine {
    /// Identity of the model, for the file's root attributes and resume checks.
    var modelInfo: CaptureModelInfo { get }
    /// How texts are wrapped before the forward pass ("" when raw), stored as `prompt_template`.
    var promptTemplate: String { get }
    /// How generated answers are sampled (`AnswerSampling.description`), stored as `answer_sampling`; nil: greedy.
    var answerSampling: String? { get }
    /// Floats per token of `hook` (e.g. d_model, or d_ff for `mlp.hook_post`).
    func width(of hook: HookName) throws -> Int
    /// Token ids of a statement as it will be run, and which of them are the statement's own tokens.
    func prepare(statement: String) throws -> PreparedText
    /// One batched forward pass. Returns, per sequence, hook → `[tokens, width]` row-major, and with `scoreTokens`
    /// the model's confidence in each token given the ones before it (teacher forcing).
    func prefill(_ sequences: [[Int32]], hooks: [HookName], scoreTokens: Bool) throws -> [PrefillOutput]
    /// Tokens of the prompt `answer` would run for `question` (chat template included).
    func promptLength(question: String) throws -> Int
    /// Generates an answer to `question`, capturing `hooks` during generation itself; with `tokenRows` it also keeps
    /// every answer token's rows (`CapturedAnswer.tokenRows`, position `all`).
    func answer(question: String, hooks: [HookName], maxTokens: Int, tokenRows: Bool) throws -> CapturedAnswer
    /// Answers to `questions`, up to `batchSize` generated together (batched decode), each handed to `deliver` in
    /// order as soon as it and those before it are done, none started more than `lookahead` places ahead of the
    /// next to deliver; each equals what `answer` gives for that question alone.
    func answers(
        questions: [String], hooks: [HookName], maxTokens: Int, batchSize: Int, lookahead: Int, tokenRows: Bool,
        deliver: (Int, CapturedAnswer) throws -> Void) throws
    /// Tokens `givenAnswers` runs for `question` followed by the given `response`.
    func givenAnswerLength(question: String, response: String) throws -> Int
    /// Given responses scored by teacher forcing: each runs as `answer`'s prompt followed by the response's tokens,
    /// the pairs in batched forward passes, and its rows and confidences are read where a generated answer's would
    /// be, so a probe trained on generated answers scores a given one as it would the model's own.
    func givenAnswers(_ pairs: [(question: String, response: String)], hooks: [HookName], tokenRows: Bool) throws
        -> [CapturedAnswer]
    /// Most tokens one forward pass may hold (the model's context length).
    var contextLength: Int { get }
}

extension CaptureEngine {
    /// One question at a time.
    public func answers(
        questions: [String], hooks: [HookName], maxTokens: Int, batchSize: Int, lookahead: Int, tokenRows: Bool,
        deliver: (Int, CapturedAnswer) throws -> Void
    ) throws {
        for (i, question) in questions.enumerated() {
            try deliver(i, try answer(question: question, hooks: hooks, maxTokens: maxTokens, tokenRows: tokenRows))
        }
    }

    /// An answer without every token's rows.
    public func answer(question: String, hooks: [HookName], maxTokens: Int) throws -> CapturedAnswer {
        try answer(question: question, hooks: hooks, maxTokens: maxTokens, tokenRows: false)
    }

    /// Given responses without every token's rows.
    public func givenAnswers(_ pairs: [(question: String, response: String)], hooks: [HookName]) throws
        -> [CapturedAnswer]
    {
        try givenAnswers(pairs, hooks: hooks, tokenRows: false)
    }

    /// All answers to `questions`, in order.
    public func answers(questions: [String], hooks: [HookName], maxTokens: Int, batchSize: Int) throws
        -> [CapturedAnswer]
    {
        var all: [CapturedAnswer] = []
        try answers(
            questions: questions, hooks: hooks, maxTokens: maxTokens, batchSize: batchSize,
            lookahead: questions.count, tokenRows: false
        ) { _, answer in all.append(answer) }
        return all
    }

    public var contextLength: Int { .max }

    public var answerSampling: String? { nil }
}

/// One sequence's result of `CaptureEngine.prefill`.
public struct PrefillOutput: Sendable {
    /// Hook → `[tokens, width]` row-major.
    public var rows: [HookName: [Float]]
    /// With `scoreTokens`: element t scores token t + 1 given tokens 0...t, `[tokens - 1]`; nil otherwise.
    public var scores: [TokenScore]?

    public init(rows: [HookName: [Float]], scores: [TokenScore]? = nil) {
        self.rows = rows
        self.scores = scores
    }
}

/// Model identity stored in the activation file.
public struct CaptureModelInfo: Sendable, Equatable {
    public var name: String
    public var architecture: String
    /// sha256 of the GGUF file.
    public var sha256: String
    public var nLayers: Int
    public var dModel: Int

    public init(name: String, architecture: String, sha256: String, nLayers: Int, dModel: Int) {
        self.name = name
        self.architecture = architecture
        self.sha256 = sha256
        self.nLayers = nLayers
        self.dModel = dModel
    }
}

/// A statement ready for the forward pass.
public struct PreparedText: Sendable, Equatable {
    /// Everything that goes through the model (BOS and template tokens included).
    public var tokens: [Int32]
    /// Positions in `tokens` that belong to the statement itself (`last` and `mean` use only these).
    public var textSpan: Range<Int>

    public init(tokens: [Int32], textSpan: Range<Int>) {
        self.tokens = tokens
        self.textSpan = textSpan
    }
}

/// A generated answer with the activations captured while generating it.
public struct CapturedAnswer: Sendable {
    /// The answer text (without the end-of-turn token).
    public var text: String
    /// Tokens of the prompt (chat-wrapped question).
    public var promptTokens: Int
    /// Generated tokens (without the end-of-turn token).
    public var generatedTokens: Int
    /// Hook → `[width]`: the row at the last generated token before end-of-turn (the state from which the
    /// model decided to stop), or at the prompt's last token when nothing was generated.
    public var lastRow: [HookName: [Float]]
    /// The model's confidence in each generated token, `[generatedTokens]`.
    public var scores: [TokenScore]
    /// Rows at the extra answer positions (`StoreSchema.answerPositions` → hook → `[width]`); empty when the engine
    /// does not provide them.
    public var positionRows: [ProbePosition: [HookName: [Float]]] = [:]
    /// When asked for (position `all`): hook → every answer token's row `[generatedTokens, width]`, row t the state
    /// at answer token t, whose confidence is `scores[t]`.
    public var tokenRows: [HookName: [Float]]?

    public init(
        text: String, promptTokens: Int, generatedTokens: Int, lastRow: [HookName: [Float]],
        scores: [TokenScore] = []
    ) {
        self.scores = scores
        self.text = text
        self.promptTokens = promptTokens
        self.generatedTokens = generatedTokens
        self.lastRow = lastRow
    }
}
