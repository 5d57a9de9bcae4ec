// Request bodies of the OpenAI-compatible routes, decoded strictly: a wrong type is an error naming the field.
import Gate

/// `content` of a chat message: a string, an array of `{"type": "text", "text": ...}` parts, or null.
struct MessageContent: Decodable, Sendable {
    let text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            text = ""
        } else if let string = try? container.decode(String.self) {
            text = string
        } else if let parts = try? container.decode([ContentPart].self) {
            text = parts.map(\.text).joined()
        } else {
            throw DecodingError.typeMismatch(
                String.self,
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "expected a string or an array of {\"type\": \"text\", \"text\": ...} parts"))
        }
    }

    struct ContentPart: Decodable {
        let type: String
        let text: String
    }
}

/// One message of `messages`.
struct IncomingMessage: Decodable, Sendable {
    let role: String
    let content: MessageContent
}

/// `stop`: a string or an array of strings.
struct StopSequences: Decodable, Sendable {
    let values: [String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            values = []
        } else if let one = try? container.decode(String.self) {
            values = [one]
        } else {
            values = try container.decode([String].self)
        }
    }
}

/// `prompt` of `/v1/completions`: a string or an array holding one string.
struct PromptText: Decodable, Sendable {
    let values: [String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) {
            values = [one]
        } else {
            values = try container.decode([String].self)
        }
    }
}

/// The extra `polygraph` body field: per-request overrides of the server's policy and probe choice.
struct PolygraphOverrides: Decodable, Sendable {
    /// `annotate`, `abstain` or `escalate`.
    let policy: String?
    let abstainMessage: String?
    /// Name of a probe loaded at start-up (never a path).
    let probe: String?
    /// Flags that trigger the policy, e.g. `["uncertain", "likely_false"]`.
    let triggerFlags: [String]?

    enum CodingKeys: String, CodingKey {
        case policy
        case abstainMessage = "abstain_message"
        case probe
        case triggerFlags = "trigger_flags"
    }
}

struct StreamOptions: Decodable, Sendable {
    let includeUsage: Bool?
    enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
}

/// Fields shared by both completion routes.
protocol CompletionRequestFields {
    var model: String { get }
    var maxTokens: Int? { get }
    var temperature: Double? { get }
    var topP: Double? { get }
    var seed: Int? { get }
    var stream: Bool? { get }
    var n: Int? { get }
    var stop: StopSequences? { get }
    var streamOptions: StreamOptions? { get }
    var polygraph: PolygraphOverrides? { get }
}

/// `POST /v1/chat/completions` body (OpenAI API reference, "Create chat completion").
struct ChatCompletionRequest: Decodable, Sendable, CompletionRequestFields {
    let model: String
    let messages: [IncomingMessage]
    let maxTokens: Int?
    let maxCompletionTokens: Int?
    let temperature: Double?
    let topP: Double?
    let seed: Int?
    let stream: Bool?
    let n: Int?
    let stop: StopSequences?
    let streamOptions: StreamOptions?
    let polygraph: PolygraphOverrides?
    let logprobs: Bool?
    let topLogprobs: Int?

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, seed, stream, n, stop, polygraph, logprobs
        case topLogprobs = "top_logprobs"
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
        case topP = "top_p"
        case streamOptions = "stream_options"
    }
}

/// `POST /v1/completions` body (OpenAI API reference, "Create completion").
struct CompletionRequest: Decodable, Sendable, CompletionRequestFields {
    let model: String
    let prompt: PromptText
    let maxTokens: Int?
    let temperature: Double?
    let topP: Double?
    let seed: Int?
    let stream: Bool?
    let n: Int?
    let stop: StopSequences?
    let streamOptions: StreamOptions?
    let polygraph: PolygraphOverrides?
    /// The number of alternatives per token (the legacy API's integer form).
    let logprobs: Int?

    enum CodingKeys: String, CodingKey {
        case model, prompt, temperature, seed, stream, n, stop, polygraph, logprobs
        case maxTokens = "max_tokens"
        case topP = "top_p"
        case streamOptions = "stream_options"
    }
}

/// `POST /v1/score` body: `{"input": "text" | ["text", ...], "probe": "name"?}`.
struct ScoreRequest: Decodable, Sendable {
    let model: String?
    let input: PromptText
    let probe: String?
}
