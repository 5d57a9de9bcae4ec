// The gate as a concurrent service: prepare (tokenise, check limits), queue, generate, apply the policy.
import Foundation

/// A request checked and tokenised, ready to queue.
public struct PreparedRequest: Sendable {
    public var prompt: GatePrompt
    public var promptTokens: [Int]
    public var options: GenerationOptions
    /// Name of the probe that will score it.
    public var probe: String
}

/// Shares one ``Gate`` between concurrent callers: requests are checked on the caller's task, then queued to the
/// engine (bounded; ``GateError/queueFull(capacity:)`` when full) and the policy is applied to the result.
///
/// ```swift
/// let service = GateService(gate: gate, policy: GatePolicy(action: .abstain), queueCapacity: 16)
/// let request = try service.prepare(.text("The capital of France is"), options: GenerationOptions(maxTokens: 8))
/// let outcome = try await service.answer(request, slot: try service.queue.reserve())
/// print(outcome.text, outcome.original.verdict.score.flag)
/// ```
public final class GateService: Sendable {
    public let gate: Gate
    public let queue: GateQueue
    /// The policy used when a request does not override it.
    public let policy: GatePolicy
    /// Where `escalate` forwards flagged requests; nil when no upstream was configured.
    public let escalator: (any Escalator)?

    /// `batchSize`: most requests generating at once; they share decode steps when the engine batches them
    /// (continuous batching: a request joins at the next step and leaves when it ends).
    public init(
        gate: Gate, policy: GatePolicy = GatePolicy(), escalator: (any Escalator)? = nil,
        queueCapacity: Int = 16, batchSize: Int = 1
    ) {
        self.gate = gate
        self.policy = policy
        self.escalator = escalator
        self.queue = GateQueue(capacity: queueCapacity, parallel: batchSize)
    }

    /// Tokenises and checks a request (probe name, options, context length) without touching the queue.
    public func prepare(_ prompt: GatePrompt, options: GenerationOptions, probe: String? = nil) throws
        -> PreparedRequest
    {
        let probe = try gate.probe(named: probe)
        try gate.checkModelFile()
        let tokens = try gate.promptTokens(prompt)
        try gate.validate(promptTokens: tokens.count, options: options)
        return PreparedRequest(prompt: prompt, promptTokens: tokens, options: options, probe: probe.name)
    }

    /// Generates on the engine thread (reporting each scored token to `onToken` from that thread), then applies
    /// `policy` (the service's default when nil). Cancelling the calling task stops generation at the next token.
    public func answer(
        _ request: PreparedRequest, slot: GateQueue.Slot, policy: GatePolicy? = nil,
        onToken: @escaping @Sendable (ScoredToken) -> Void = { _ in }
    ) async throws -> GateOutcome {
        let gate = self.gate
        let probe = try gate.probe(named: request.probe)
        let policy = policy ?? self.policy
        // A pre-generation probe lets abstain/escalate act on the question alone, before any decode is spent.
        let acting = policy.action != .annotate
        let answer = try await slot.run { flag in
            try gate.generate(
                promptTokens: request.promptTokens, options: request.options, probe: probe,
                question: request.prompt.question, stopBeforeDecode: acting ? { policy.isTriggered(by: $0.flag) } : nil
            ) { token in
                onToken(token)
                return !flag.isCancelled
            }
        }
        try Task.checkCancellation()
        if policy.action == .escalate && escalator == nil && policy.isTriggered(by: answer.verdict.score.flag) {
            throw GateError.upstreamFailure(url: "(none)", reason: "no upstream configured; start with --upstream URL")
        }
        return try await policy.apply(
            to: answer, prompt: request.prompt, options: request.options,
            escalator: escalator)
    }

    /// Scores texts without generating, on the engine thread.
    public func score(texts: [String], probe: String? = nil, slot: GateQueue.Slot) async throws -> [Verdict] {
        let gate = self.gate
        _ = try gate.scoringProbe(named: probe)
        return try await slot.run { _ in try gate.score(texts: texts, probe: probe) }
    }

    /// Scores given answers (teacher forcing) on the engine thread.
    public func score(given: [GivenAnswer], probe: String? = nil, slot: GateQueue.Slot) async throws -> [Verdict] {
        let gate = self.gate
        _ = try gate.givenAnswerProbe(named: probe)
        return try await slot.run { _ in try gate.score(given: given, probe: probe) }
    }
}
