// Escalation: forward a flagged request to another OpenAI-compatible endpoint (e.g. a bigger model).
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An answer from the upstream endpoint.
public struct UpstreamAnswer: Sendable, Equatable {
    public var text: String
    /// The model the upstream says answered.
    public var model: String

    public init(text: String, model: String) {
        self.text = text
        self.model = model
    }
}

/// Something that can answer a prompt in the gate's place.
public protocol Escalator: Sendable {
    /// Where requests go, for messages.
    var endpoint: String { get }
    func complete(_ prompt: GatePrompt, options: GenerationOptions) async throws -> UpstreamAnswer
}

/// Escalates to an OpenAI-compatible HTTP endpoint: `POST {base}/chat/completions` for chats and
/// `POST {base}/completions` for text prompts, non-streaming (OpenAI API reference, "Chat Completions").
public struct OpenAIUpstream: Escalator {
    /// Base URL ending in `/v1`, e.g. `http://127.0.0.1:9000/v1`.
    public let baseURL: URL
    /// Model name sent upstream.
    public let model: String
    /// Bearer token for the upstream, if it needs one.
    public let apiKey: String?
    /// Seconds before giving up.
    public let timeout: TimeInterval

    public var endpoint: String { baseURL.absoluteString }

    public init(baseURL: URL, model: String, apiKey: String? = nil, timeout: TimeInterval = 120) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
        self.timeout = timeout
    }

    public func complete(_ prompt: GatePrompt, options: GenerationOptions) async throws -> UpstreamAnswer {
        var body: [String: Any] = [
            "model": model, "max_tokens": options.maxTokens,
            "temperature": options.temperature, "stream": false,
        ]
        let url: URL
        switch prompt {
        case .chat(let messages, _):  // template variables belong to this model's template: not sent upstream
            url = baseURL.appendingPathComponent("chat/completions")
            body["messages"] = messages.map { ["role": $0.role, "content": $0.content] }
        case .text(let text):
            url = baseURL.appendingPathComponent("completions")
            body["prompt"] = text
        }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw GateError.upstreamFailure(url: url.absoluteString, reason: "\(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let snippet = String(decoding: data.prefix(300), as: UTF8.self)
            throw GateError.upstreamFailure(url: url.absoluteString, reason: "HTTP \(status): \(snippet)")
        }
        return try Self.parse(data, url: url.absoluteString, fallbackModel: model)
    }

    /// Reads `choices[0].message.content` (chat) or `choices[0].text` (completion) from an OpenAI response body.
    static func parse(_ data: Data, url: String, fallbackModel: String) throws -> UpstreamAnswer {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let choices = object["choices"] as? [[String: Any]], let first = choices.first
        else {
            throw GateError.upstreamFailure(url: url, reason: "the response has no `choices` array")
        }
        let text = ((first["message"] as? [String: Any])?["content"] as? String) ?? (first["text"] as? String)
        guard let text else {
            throw GateError.upstreamFailure(url: url, reason: "choices[0] has neither message.content nor text")
        }
        return UpstreamAnswer(text: text, model: object["model"] as? String ?? fallbackModel)
    }
}
