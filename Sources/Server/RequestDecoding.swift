// Reading a request body: size limit first, then JSON, then types — each failure a precise OpenAI error.
import Foundation
import Hummingbird
import NIOCore

enum RequestDecoding {
    /// Collects the body (refusing more than `limit` bytes) and decodes it as `T`.
    static func decode<T: Decodable>(_ type: T.Type, from request: inout Request, limit: Int) async throws -> T {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw tooLarge(limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge(limit)
        } catch is NIOTooManyBytesError {  // a chunked body (no Content-Length) that runs past the limit
            throw tooLarge(limit)
        }
        return try decode(type, from: Data(buffer.readableBytesView))
    }

    static func tooLarge(_ limit: Int) -> OpenAIError {
        OpenAIError(.contentTooLarge, "request body larger than \(limit) bytes", code: "request_too_large")
    }

    /// Decodes JSON, turning Foundation's errors into messages that name the field and the expected type.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        guard !data.isEmpty else {
            throw OpenAIError(.badRequest, "the request body is empty; send a JSON object", code: "invalid_json")
        }
        guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
            throw OpenAIError(.badRequest, "the request body is not valid JSON", code: "invalid_json")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw describe(error)
        }
    }

    /// `messages[0].content`-style path of a coding path.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }

    static func describe(_ error: DecodingError) -> OpenAIError {
        switch error {
        case let .typeMismatch(expected, context):
            let field = path(context.codingPath)
            if field.isEmpty {
                return OpenAIError(.badRequest, "the request body must be a JSON object", code: "invalid_type")
            }
            return OpenAIError(
                .badRequest,
                "`\(field)` has the wrong type: expected \(typeName(expected)). "
                    + context.debugDescription, code: "invalid_type", param: field)
        case let .valueNotFound(expected, context):
            let field = path(context.codingPath)
            return OpenAIError(
                .badRequest, "`\(field)` is null: expected \(typeName(expected))",
                code: "invalid_type", param: field)
        case let .keyNotFound(key, context):
            let field = path(context.codingPath + [key])
            return OpenAIError(
                .badRequest, "missing required field `\(field)`", code: "missing_required_parameter",
                param: field)
        case let .dataCorrupted(context):
            let field = path(context.codingPath)
            return OpenAIError(
                .badRequest, "invalid value for `\(field)`: \(context.debugDescription)",
                code: "invalid_value", param: field.isEmpty ? nil : field)
        @unknown default:
            return OpenAIError(.badRequest, "invalid request body: \(error)", code: "invalid_json")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type, is UInt64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "a boolean"
        case is [Any].Type: return "an array"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "an object"
        }
    }
}
