// OpenAI `logprobs` on choices: the chat shape (`content` entries with `top_logprobs`) and the legacy completions
// shape (parallel `tokens` / `token_logprobs` / `top_logprobs` / `text_offset` arrays), from the gate's tokens.
import Gate

/// What a request asked for: nil when it did not ask; otherwise the number of alternatives per token (0...20).
struct LogprobsRequest: Sendable, Equatable {
    let top: Int

    /// Chat: `logprobs: true` with optional `top_logprobs` (which needs `logprobs: true`, as in OpenAI's API).
    static func chat(logprobs: Bool?, topLogprobs: Int?) throws -> LogprobsRequest? {
        if let top = topLogprobs {
            guard (0...20).contains(top) else {
                throw OpenAIError(
                    .badRequest, "`top_logprobs` is \(top): expected 0...20", code: "invalid_value",
                    param: "top_logprobs")
            }
            guard logprobs == true else {
                throw OpenAIError(
                    .badRequest, "`top_logprobs` needs `logprobs: true`", code: "invalid_value",
                    param: "logprobs")
            }
        }
        return logprobs == true ? LogprobsRequest(top: topLogprobs ?? 0) : nil
    }

    /// Completions: `logprobs: N`, the number of alternatives (OpenAI allows up to 5; this server up to 20).
    static func completion(logprobs: Int?) throws -> LogprobsRequest? {
        guard let top = logprobs else { return nil }
        guard (0...20).contains(top) else {
            throw OpenAIError(
                .badRequest, "`logprobs` is \(top): expected 0...20", code: "invalid_value", param: "logprobs")
        }
        return LogprobsRequest(top: top)
    }
}

/// One `{"token", "logprob", "bytes"}` object.
struct LogprobEntry: Encodable, Sendable {
    let token: String
    let logprob: Double
    let bytes: [UInt8]

    init(_ alternative: TokenAlternative) {
        token = alternative.text
        logprob = alternative.logprob
        bytes = alternative.bytes
    }
}

/// A chat `content` entry: the token and its alternatives.
struct ChatLogprobEntry: Encodable, Sendable {
    let token: String
    let logprob: Double
    let bytes: [UInt8]
    let topLogprobs: [LogprobEntry]

    enum CodingKeys: String, CodingKey { case token, logprob, bytes, topLogprobs = "top_logprobs" }
}

/// The `logprobs` object of a choice, in the shape of its route.
enum LogprobsObject: Encodable, Sendable {
    case chat([ChatLogprobEntry])
    case text(tokens: [String], logprobs: [Double], top: [[String: Double]], offsets: [Int])

    /// `tokens` as the route shapes them; `offset` is where the first token starts in the choice's text.
    init(_ kind: CompletionKind, tokens: [ScoredToken], offset: Int = 0) {
        switch kind {
        case .chat:
            self = .chat(
                tokens.map { token in
                    let chosen = TokenAlternative(id: token.id, bytes: token.bytes, logprob: token.logprob)
                    return ChatLogprobEntry(
                        token: chosen.text, logprob: token.logprob, bytes: chosen.bytes,
                        topLogprobs: token.top.map(LogprobEntry.init))
                })
        case .text:
            var offsets: [Int] = [], at = offset
            for token in tokens { offsets.append(at); at += token.text.count }
            self = .text(
                tokens: tokens.map(\.text), logprobs: tokens.map(\.logprob),
                top: tokens.map { token in
                    Dictionary(token.top.map { ($0.text, $0.logprob) }, uniquingKeysWith: { first, _ in first })
                }, offsets: offsets)
        }
    }

    enum CodingKeys: String, CodingKey {
        case content, refusal, tokens, tokenLogprobs = "token_logprobs", topLogprobs = "top_logprobs"
        case textOffset = "text_offset"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .chat(let entries):
            try c.encode(entries, forKey: .content)
            try c.encodeNil(forKey: .refusal)
        case .text(let tokens, let logprobs, let top, let offsets):
            try c.encode(tokens, forKey: .tokens)
            try c.encode(logprobs, forKey: .tokenLogprobs)
            try c.encode(top, forKey: .topLogprobs)
            try c.encode(offsets, forKey: .textOffset)
        }
    }
}
