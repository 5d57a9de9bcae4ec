// What the gate does with a flagged answer: annotate it, replace it with an abstention, or ask a bigger model.
import Probes

/// The action taken when an answer's flag is one of the policy's trigger flags.
public enum PolicyAction: String, Sendable, Codable, CaseIterable {
    /// Return the answer with its score and flag (nothing is replaced).
    case annotate
    /// Replace a flagged answer with the abstention message; the original stays in the outcome.
    case abstain
    /// Forward a flagged request to an upstream OpenAI-compatible endpoint and return its answer.
    case escalate
}

/// How the gate treats flagged answers. Per request, the server may override any field.
public struct GatePolicy: Sendable, Equatable {
    public var action: PolicyAction
    /// Text returned instead of a flagged answer under `abstain`.
    public var abstainMessage: String
    /// Flags that trigger the action (default: `likely_false` only).
    public var triggerFlags: Set<ProbeFlag>

    public static let defaultAbstainMessage =
        "I'm not confident this answer is correct, so I won't give it."

    public init(
        action: PolicyAction = .annotate, abstainMessage: String = GatePolicy.defaultAbstainMessage,
        triggerFlags: Set<ProbeFlag> = [.likelyFalse]
    ) {
        self.action = action
        self.abstainMessage = abstainMessage
        self.triggerFlags = triggerFlags
    }

    /// True when `flag` triggers the action.
    public func isTriggered(by flag: ProbeFlag) -> Bool { triggerFlags.contains(flag) }
}

/// What happened to an answer after the policy ran.
public enum PolicyOutcomeKind: String, Sendable, Codable {
    /// Returned as generated (under any policy when not flagged, or under `annotate`).
    case passed
    /// Replaced by the abstention message.
    case abstained
    /// Replaced by the upstream endpoint's answer.
    case escalated
}

/// The final answer of the gate: the text to return and how it came to be.
public struct GateOutcome: Sendable, Equatable {
    /// The locally generated answer, always kept (with its tokens and verdict).
    public var original: GatedAnswer
    /// What the caller should show: the original text, the abstention message or the upstream answer.
    public var text: String
    public var kind: PolicyOutcomeKind
    /// The policy that was applied.
    public var policy: GatePolicy
    /// Upstream model that answered under `escalate`.
    public var upstreamModel: String?

    public init(
        original: GatedAnswer, text: String, kind: PolicyOutcomeKind, policy: GatePolicy,
        upstreamModel: String? = nil
    ) {
        self.original = original
        self.text = text
        self.kind = kind
        self.policy = policy
        self.upstreamModel = upstreamModel
    }

    /// True when the policy's trigger flags include the answer's flag.
    public var isFlagged: Bool { policy.isTriggered(by: original.verdict.score.flag) }
}

extension GatePolicy {
    /// Applies the policy to a generated answer; `escalator` is needed only for `escalate`.
    public func apply(
        to answer: GatedAnswer, prompt: GatePrompt, options: GenerationOptions,
        escalator: (any Escalator)?
    ) async throws -> GateOutcome {
        guard isTriggered(by: answer.verdict.score.flag) else {
            return GateOutcome(original: answer, text: answer.text, kind: .passed, policy: self)
        }
        switch action {
        case .annotate:
            return GateOutcome(original: answer, text: answer.text, kind: .passed, policy: self)
        case .abstain:
            return GateOutcome(original: answer, text: abstainMessage, kind: .abstained, policy: self)
        case .escalate:
            guard let escalator else {
                throw GateError.upstreamFailure(
                    url: "(none)",
                    reason: "policy escalate needs an upstream URL (--upstream URL)")
            }
            let upstream = try await escalator.complete(prompt, options: options)
            return GateOutcome(
                original: answer, text: upstream.text, kind: .escalated, policy: self,
                upstreamModel: upstream.model)
        }
    }
}
