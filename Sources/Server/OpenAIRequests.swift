// Request bodies of the OpenAI-compatible routes, decoded strictly: a wrong type is an error naming the field.
import Foundation
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

/// `chat_template_kwargs` (the chat route's extension in vLLM and SGLang): variables the model's chat template
/// renders with for this request, as transformers' `apply_chat_template(**kwargs)`, e.g.
/// `{"enable_thinking": false}` for Qwen 3. Each value is kept as JSON text (`name=JSON`, `GatePrompt.chat`).
struct ChatTemplateKwargs: Decodable, Sendable {
    /// `name=JSON` assignments, sorted by name.
    let assignments: [String]

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let object = try container.decode([String: JSONLiteral].self)
        assignments = try object.keys.sorted().map { name in
            let isIdentifier =
                name.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
                && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            guard isIdentifier else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription: "'\(name)' is not a template variable name (letters, digits and _, "
                            + "not starting with a digit)"))
            }
            return "\(name)=\(object[name]!.json)"
        }
    }
}

/// Any JSON value, written back as compact JSON text (object keys sorted).
enum JSONLiteral: Decodable, Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONLiteral])
    case object([String: JSONLiteral])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONLiteral].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONLiteral].self))
        }
    }

    var json: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .integer(let value): String(value)
        case .number(let value): value.isFinite ? "\(value)" : "null"
        case .string(let value): Self.quoted(value)
        case .array(let values): "[" + values.map(\.json).joined(separator: ",") + "]"
        case .object(let fields):
            "{" + fields.keys.sorted().map { Self.quoted($0) + ":" + fields[$0]!.json }.joined(separator: ",") + "}"
        }
    }

    private static func quoted(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
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
    let chatTemplateKwargs: ChatTemplateKwargs?

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, seed, stream, n, stop, polygraph, logprobs
        case topLogprobs = "top_logprobs"
        case chatTemplateKwargs = "chat_template_kwargs"
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

/// `POST /v1/score` body: `{"input": "text" | ["text", ...] | {given answer} | [{given answer}, ...], "probe"?}`.
struct ScoreRequest: Decodable, Sendable {
    let model: String?
    let input: ScoreInput
    let probe: String?
}

/// `/v1/score`'s `input`: texts, or given answers `{"question" | "messages", "response"}` (not both kinds at once).
enum ScoreInput: Decodable, Sendable {
    case texts([String])
    case answers([GivenAnswerInput])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) {
            self = .texts([one])
            return
        }
        if let many = try? container.decode([String].self) {
            self = .texts(many)
            return
        }
        // An object (or an array of them) is a given answer: its own errors (a missing `response`, a wrong type
        // inside) are what the client needs to hear; a value that is no object at all falls through.
        let depth = decoder.codingPath.count
        func atTop(_ error: DecodingError) -> Bool {
            if case .typeMismatch(_, let context) = error { return context.codingPath.count == depth }
            return false
        }
        do {
            self = .answers([try container.decode(GivenAnswerInput.self)])
            return
        } catch let error as DecodingError where atTop(error) {}
        do {
            self = .answers(try container.decode([GivenAnswerInput].self))
            return
        } catch let error as DecodingError where atTop(error) {}
        throw DecodingError.typeMismatch(
            String.self,
            .init(
                codingPath: decoder.codingPath,
                debugDescription:
                    "Send a text, an array of texts, or given answers {\"question\" or \"messages\", \"response\"}"
                    + " (one or an array)."))
    }

    var count: Int {
        switch self {
        case .texts(let texts): texts.count
        case .answers(let answers): answers.count
        }
    }
}

/// One given answer to score: `{"question": "...", "response": "..."}` or `{"messages": [...], "response": "..."}`.
struct GivenAnswerInput: Decodable, Sendable {
    let question: String?
    let messages: [IncomingMessage]?
    let response: String
}
