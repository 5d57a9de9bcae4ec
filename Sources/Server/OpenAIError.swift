// Errors as OpenAI's clients expect them: `{"error": {"message", "type", "code", "param"}}` with the right status.
import Foundation
import Gate
import Hummingbird
import NIOHTTP1

/// An error response in OpenAI's shape (OpenAI API reference, "Error codes").
public struct OpenAIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    /// `invalid_request_error`, `authentication_error`, `rate_limit_error`, `server_error`, `upstream_error`.
    public var type: String
    /// Machine-readable reason, e.g. `invalid_json`, `model_not_found`, `context_length_exceeded`.
    public var code: String?
    /// The request field at fault, when there is one.
    public var param: String?
    /// Set when the server ends the connection after this response (it failed while the connection was watched
    /// for a hang-up); the response then says `Connection: close`.
    public var closesConnection = false

    public init(
        _ status: HTTPResponse.Status, _ message: String, type: String = "invalid_request_error",
        code: String? = nil, param: String? = nil
    ) {
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
    }

    public var description: String { "\(status.code) \(type)/\(code ?? "-"): \(message)" }

    struct Body: Encodable {
        struct Detail: Encodable {
            let message: String
            let type: String
            let code: String?
            let param: String?

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(message, forKey: .message)
                try c.encode(type, forKey: .type)
                try c.encode(code, forKey: .code)  // explicit null, as OpenAI does
                try c.encode(param, forKey: .param)
            }

            enum CodingKeys: String, CodingKey { case message, type, code, param }
        }

        let error: Detail
    }

    /// The JSON body alone (also sent as an SSE event when a stream fails midway).
    public var jsonData: Data {
        let body = Body(error: .init(message: message, type: type, code: code, param: param))
        return (try? JSONEncoder().encode(body)) ?? Data(#"{"error":{"message":"error","type":"server_error"}}"#.utf8)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if status == .tooManyRequests { headers[.retryAfter] = "1" }
        if closesConnection { headers[.connection] = "close" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: jsonData)))
    }
}

extension OpenAIError {
    /// Maps any error thrown while serving to the response a client should see.
    public init(from error: any Error) {
        switch error {
        case let error as OpenAIError:
            self = error
        case let error as GateError:
            self = OpenAIError(gate: error)
        case let error as HTTPError:
            let message = error.body ?? error.status.reasonPhrase
            switch error.status {
            case .notFound:
                self = OpenAIError(
                    .notFound, "no route for this method and path; see GET /v1/models", code: "not_found")
            case .contentTooLarge:
                self = OpenAIError(.contentTooLarge, "request body too large", code: "request_too_large")
            default:
                self = OpenAIError(
                    error.status, message,
                    type: error.status.code >= 500 ? "server_error" : "invalid_request_error")
            }
        case let error as HTTPParserError:
            // A body the HTTP parser cannot frame (a bad chunk size, an unknown transfer coding, a connection that
            // ends mid-body) is the client's fault; it used to be a 500 "internal error".
            self = OpenAIError(
                .badRequest, "malformed HTTP request body: \(error.debugDescription)", code: "malformed_request")
        case is CancellationError:
            self = OpenAIError(
                .init(code: 499, reasonPhrase: "Client Closed Request"), "request cancelled",
                code: "cancelled")
        default:
            self = OpenAIError(.internalServerError, "internal error: \(error)", type: "server_error")
        }
    }

    init(gate error: GateError) {
        let message = error.description
        switch error {
        case .unknownProbe:
            self = OpenAIError(.notFound, message, code: "probe_not_found", param: "polygraph.probe")
        case .contextLengthExceeded:
            self = OpenAIError(.badRequest, message, code: "context_length_exceeded", param: "messages")
        case .emptyPrompt:
            self = OpenAIError(.badRequest, message, code: "empty_prompt", param: "messages")
        case let .invalidOption(name, _, _):
            self = OpenAIError(.badRequest, message, code: "invalid_value", param: name)
        case .chatTemplateRefused:
            self = OpenAIError(.badRequest, message, code: "chat_template_refused", param: "messages")
        case .noChatTemplate:
            self = OpenAIError(.badRequest, message, code: "no_chat_template", param: "messages")
        case .queueFull:
            self = OpenAIError(.tooManyRequests, message, type: "rate_limit_error", code: "queue_full")
        case .upstreamFailure:
            self = OpenAIError(.badGateway, message, type: "upstream_error", code: "upstream_failed")
        case .modelFileChanged:
            self = OpenAIError(.serviceUnavailable, message, type: "server_error", code: "model_file_changed")
        case .noProbes, .noShippedProbe, .modelMismatch, .unknownHook, .widthMismatch, .duplicateProbe, .engineFailure:
            self = OpenAIError(.internalServerError, message, type: "server_error")
        }
    }
}
