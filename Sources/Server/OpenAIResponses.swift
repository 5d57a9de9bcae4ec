// Response bodies of the OpenAI-compatible routes, with the `polygraph` object on each choice.
import Foundation
import Gate

/// The `polygraph` object on a choice (DESIGN.md, HTTP): the answer's score, flag, and what the policy did.
struct PolygraphObject: Encodable, Sendable {
    let pTrue: Double
    let flag: String
    let raw: Double
    let probe: String
    let hook: String
    let position: String
    /// Policy applied: `annotate`, `abstain` or `escalate`.
    let policy: String
    /// True when the flag is one of the policy's trigger flags.
    let flagged: Bool
    /// `passed`, `abstained` or `escalated`.
    let action: String
    let escalated: Bool
    let upstreamModel: String?
    /// The generated answer when the returned text replaced it.
    let originalContent: String?
    /// P(true) at each answer token, in order.
    let tokenPTrue: [Double]?
    /// Present (true) when a pre-generation probe flagged the question and nothing was decoded.
    let decidedBeforeDecode: Bool?

    enum CodingKeys: String, CodingKey {
        case pTrue = "p_true", flag, raw, probe, hook, position, policy, flagged, action, escalated
        case upstreamModel = "upstream_model", originalContent = "original_content", tokenPTrue = "token_p_true"
        case decidedBeforeDecode = "decided_before_decode"
    }

    init(_ outcome: GateOutcome, includeTokens: Bool) {
        let verdict = outcome.original.verdict
        pTrue = verdict.score.pTrue
        flag = verdict.score.flag.rawValue
        raw = verdict.score.raw
        probe = verdict.probe
        hook = verdict.hook
        position = verdict.position.rawValue
        policy = outcome.policy.action.rawValue
        flagged = outcome.isFlagged
        action = outcome.kind.rawValue
        escalated = outcome.kind == .escalated
        upstreamModel = outcome.upstreamModel
        originalContent = outcome.kind == .passed ? nil : outcome.original.text
        tokenPTrue = includeTokens ? outcome.original.tokens.map(\.score.pTrue) : nil
        decidedBeforeDecode = outcome.original.decidedBeforeDecode ? true : nil
    }
}

/// Per-token score carried by a streamed chunk.
struct TokenScoreObject: Encodable, Sendable {
    let tokenIndex: Int
    let pTrue: Double
    let flag: String

    enum CodingKeys: String, CodingKey {
        case tokenIndex = "token_index", pTrue = "p_true", flag
    }

    init(_ token: ScoredToken) {
        tokenIndex = token.index
        pTrue = token.score.pTrue
        flag = token.score.flag.rawValue
    }
}

struct Usage: Encodable, Sendable {
    let promptTokens: Int
    let completionTokens: Int
    var totalTokens: Int { promptTokens + completionTokens }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(promptTokens, forKey: .promptTokens)
        try c.encode(completionTokens, forKey: .completionTokens)
        try c.encode(totalTokens, forKey: .totalTokens)
    }
}

struct AssistantMessage: Encodable, Sendable {
    var role: String? = "assistant"
    var content: String?
}

/// One choice, for every response and chunk shape: chat (`message` / `delta`) or completion (`text`).
struct Choice: Encodable, Sendable {
    let index: Int
    var message: AssistantMessage?
    var delta: AssistantMessage?
    var text: String?
    /// Always present (null while streaming), as OpenAI sends it.
    var finishReason: String?
    var polygraph: AnyPolygraph?
    /// OpenAI `logprobs` when the request asked for them; null otherwise.
    var logprobs: LogprobsObject?

    enum CodingKeys: String, CodingKey {
        case index, message, delta, text, polygraph, logprobs
        case finishReason = "finish_reason"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encodeIfPresent(message, forKey: .message)
        try c.encodeIfPresent(delta, forKey: .delta)
        try c.encodeIfPresent(text, forKey: .text)
        if let logprobs { try c.encode(logprobs, forKey: .logprobs) } else { try c.encodeNil(forKey: .logprobs) }
        try c.encode(finishReason, forKey: .finishReason)
        try c.encodeIfPresent(polygraph, forKey: .polygraph)
    }
}

/// Either the full polygraph object (final) or a per-token score (streamed chunks).
enum AnyPolygraph: Encodable, Sendable {
    case answer(PolygraphObject)
    case token(TokenScoreObject)

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .answer(let object): try object.encode(to: encoder)
        case .token(let object): try object.encode(to: encoder)
        }
    }
}

/// A whole response or one streamed chunk.
struct CompletionEnvelope: Encodable, Sendable {
    let id: String
    /// `chat.completion`, `chat.completion.chunk` or `text_completion`.
    let object: String
    let created: Int
    let model: String
    let choices: [Choice]
    var usage: Usage?
    let systemFingerprint: String?

    enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case systemFingerprint = "system_fingerprint"
    }
}

/// OpenAI's finish_reason for the gate's (a cancelled generation only happens when nobody is listening).
func openAIFinishReason(_ reason: FinishReason) -> String {
    reason == .length ? "length" : "stop"
}

/// JSON encoding for response bodies and SSE events.
enum ResponseJSON {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
