// Test doubles for the gate, shared by GateTests and ServerTests (only test targets depend on this target):
// a deterministic stand-in for the engine, a probe and an upstream, tiny and fast, with predictable activations.
import Foundation
import Gate
import Hooks
import Probes

/// Generates a scripted answer (then end-of-turn, or filler tokens 9 when `endsTurn` is false); the activation at a
/// position whose input token is `t` is `FakeEngine.activation(t)`.
public final class FakeEngine: GateEngine, @unchecked Sendable {
    public let model: ModelIdentity
    public let dModel = 4
    public let contextLength: Int
    /// The answer's token ids.
    public let script: [Int]
    public let endsTurn: Bool
    /// Seconds slept per step (for tests of real-time behaviour such as a client hanging up).
    public let stepDelay: Double
    /// When set, generation blocks after this pacer's step until the test releases it (no sleeps, no timing).
    public let pacer: StepPacer?
    private let lock = NSLock()
    private var _steps = 0
    private var _calls = 0

    public init(
        script: [Int] = [5, 12, 7, 3], endsTurn: Bool = true, contextLength: Int = 64, stepDelay: Double = 0,
        pacer: StepPacer? = nil, sha256: String = FakeEngine.sha
    ) {
        self.pacer = pacer
        self.script = script
        self.endsTurn = endsTurn
        self.contextLength = contextLength
        self.stepDelay = stepDelay
        self.model = ModelIdentity(name: "fake", architecture: "llama", sha256: sha256)
    }

    public static let sha = String(repeating: "ab", count: 32)

    /// What `modelFileProblem()` reports (nil: the weights are intact), as if the model file had been changed.
    public var fileProblem: String? {
        get { lock.withLock { _fileProblem } }
        set { lock.withLock { _fileProblem = newValue } }
    }
    private var _fileProblem: String?

    public func modelFileProblem() -> String? { fileProblem }

    /// The template variables of the last chat rendered.
    public var lastTemplateVariables: [String] { lock.withLock { _lastTemplateVariables } }
    private var _lastTemplateVariables: [String] = []

    /// Steps run over the engine's life.
    public var steps: Int { lock.withLock { _steps } }
    /// Calls to `generate` and `activations`.
    public var calls: Int { lock.withLock { _calls } }

    /// `[d_model]` activation for input token `t`: component 0 carries a "truth" value in -3...3.
    public static func activation(_ t: Int) -> [Float] { [Float(t % 7) - 3, 1, Float(t), 0.5] }

    /// What a generation capturing several hooks sees for input token `t`: per hook `blocks.L.…`, `activation(t)`
    /// with component 0 shifted by L and component 1 set to L, the hooks' rows end to end.
    public static func activation(_ t: Int, hooks: [HookName]) -> [Float] {
        guard hooks.count > 1 else { return activation(t) }
        return hooks.flatMap { hook -> [Float] in
            let layer = Float(hook.layer)
            var row = activation(t)
            row[0] += layer
            row[1] = layer
            return row
        }
    }

    public static func text(_ t: Int) -> String { "w\(t) " }

    public func hasHook(_ hook: HookName) -> Bool {
        guard case .block(_, .residPost) = hook else { return false }
        return true
    }

    /// Each message as `<role>content`, then each template variable as `{name=value}`; a variable named
    /// `refuse` is refused as a template's `raise_exception` would, and one named `nochat` answers as a model without
    /// a chat template does.
    public func chatTokens(_ messages: [ChatMessage], templateVariables: [String]) throws -> [Int] {
        lock.withLock { _lastTemplateVariables = templateVariables }
        if let refused = templateVariables.first(where: { $0.hasPrefix("refuse=") }) {
            throw GateError.chatTemplateRefused("the fake template refuses \(refused)")
        }
        if templateVariables.contains(where: { $0.hasPrefix("nochat=") }) {
            throw GateError.noChatTemplate("the fake model has none")
        }
        let text = messages.map { "<\($0.role)>\($0.content)" } + templateVariables.map { "{\($0)}" }
        return try textTokens(text.joined())
    }

    /// One token per character: its scalar value mod 50, plus 1.
    public func textTokens(_ text: String) throws -> [Int] { text.unicodeScalars.map { Int($0.value % 50) + 1 } }

    /// Every hook in one pass (`activation(_:hooks:)`); one hook is `activation(_:)` as before.
    public func generate(
        prompt: [Int], options: GenerationOptions, hooks: [HookName], onPrompt: ([Float]) -> Bool,
        onStep: (GenerationStep) -> Bool
    ) throws -> GenerationSummary {
        lock.withLock { _calls += 1 }
        let activation = { (t: Int) in Self.activation(t, hooks: hooks) }
        lock.withLock { _steps += 1 }  // the prompt's pass
        if !onPrompt(activation(prompt.last ?? 1)) {
            return GenerationSummary(
                finishReason: .cancelled, text: "", lastPromptActivation: activation(prompt.last ?? 1))
        }
        var text = ""
        for index in 0..<options.maxTokens {
            let token = index < script.count ? script[index] : 9
            if index >= script.count && endsTurn {
                return GenerationSummary(
                    finishReason: .stop, text: text, lastPromptActivation: activation(prompt.last ?? 1))
            }
            if stepDelay > 0 { Thread.sleep(forTimeInterval: stepDelay) }
            pacer?.step(index)
            lock.withLock { _steps += 1 }
            text += Self.text(token)
            // Log-probs: the chosen token −0.1·(token mod 5); alternatives are the next ids, each 1 nat less likely.
            let logprob = -0.1 * Double(token % 5)
            let chosen = TokenAlternative(id: token, bytes: Array(Self.text(token).utf8), logprob: logprob)
            let top = (0..<options.topLogprobs).map { k in
                k == 0
                    ? chosen
                    : TokenAlternative(
                        id: token + k, bytes: Array(Self.text(token + k).utf8), logprob: logprob - Double(k))
            }
            if !onStep(
                GenerationStep(
                    token: token, text: Self.text(token), activation: activation(token),
                    chosen: chosen, top: top))
            {
                return GenerationSummary(
                    finishReason: .cancelled, text: text,
                    lastPromptActivation: activation(prompt.last ?? 1))
            }
        }
        return GenerationSummary(
            finishReason: .length, text: text, lastPromptActivation: activation(prompt.last ?? 1))
    }

    public func activations(of sequences: [[Int]], hooks: [HookName]) throws -> [[[Float]]] {
        lock.withLock { _calls += 1 }
        return sequences.map { $0.map { Self.activation($0, hooks: hooks) } }
    }

    /// The inverse of `text(_:)`: `w5 w12 ` → [5, 12]; other words one token per character, as `textTokens`.
    public func answerTokens(_ text: String) throws -> [Int] {
        try text.split(separator: " ").flatMap { word -> [Int] in
            if word.first == "w", let id = Int(word.dropFirst()) { return [id] }
            return try textTokens(String(word))
        }
    }

    /// The steps `generate` would hand over had it generated each answer (its activations and log-probs).
    public func teacherForced(_ pairs: [(prompt: [Int], answer: [Int])], hooks: [HookName]) throws -> [(
        promptLast: [Float], steps: [GenerationStep]
    )] {
        lock.withLock { _calls += 1 }
        return pairs.map { pair in
            let steps = pair.answer.map { token in
                GenerationStep(
                    token: token, text: Self.text(token), activation: Self.activation(token, hooks: hooks),
                    chosen: TokenAlternative(
                        id: token, bytes: Array(Self.text(token).utf8), logprob: -0.1 * Double(token % 5)))
            }
            return (Self.activation(pair.prompt.last ?? 1, hooks: hooks), steps)
        }
    }
}

/// Holds a `FakeEngine` generation at one step: the engine blocks before token `pauseAt` until `release()`, and a
/// test blocks in `waitUntilPaused()` until the engine got there — ordering without sleeps.
public final class StepPacer: @unchecked Sendable {
    public let pauseAt: Int
    private let paused = DispatchSemaphore(value: 0)
    private let released = DispatchSemaphore(value: 0)

    public init(pauseAt: Int) { self.pauseAt = pauseAt }

    func step(_ index: Int) {
        guard index == pauseAt else { return }
        paused.signal()
        released.wait()
    }

    /// Blocks the calling thread until the engine is held (false after `timeout` seconds).
    public func waitUntilPaused(timeout: Double = 30) -> Bool { paused.wait(timeout: .now() + timeout) == .success }

    /// Lets the held engine go on.
    public func release() { released.signal() }
}

/// Logistic probe on component 0: P(true) = σ(x₀); uncertain below 0.6, likely_false below 0.3.
public struct FakeProbe: TruthProbe {
    public var name = "fake-probe"
    public var hook: HookName = .residPost(3)
    public var position: ProbePosition = .last
    public var model = ModelIdentity(name: "fake", architecture: "llama", sha256: FakeEngine.sha)
    public var inputWidth = 4

    public init() {}

    public func score(_ activation: [Float]) -> ProbeScore {
        let raw = Double(activation[0])
        let p = 1 / (1 + exp(-raw))
        let flag: ProbeFlag = p < 0.3 ? .likelyFalse : (p < 0.6 ? .uncertain : .ok)
        return ProbeScore(raw: raw, pTrue: p, flag: flag)
    }
}

/// Answers every escalated prompt with a fixed text and counts the calls.
public final class FakeEscalator: Escalator, @unchecked Sendable {
    public let endpoint = "fake://upstream"
    public init() {}
    private let lock = NSLock()
    private var _calls = 0
    public var calls: Int { lock.withLock { _calls } }

    public func complete(_ prompt: GatePrompt, options: GenerationOptions) async throws -> UpstreamAnswer {
        lock.withLock { _calls += 1 }
        return UpstreamAnswer(text: "upstream says hi", model: "big-model")
    }
}
