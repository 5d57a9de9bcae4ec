import GateTestSupport
import Foundation
import Gate
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server

/// Bad requests get OpenAI's error JSON with the right status, and the server keeps serving.
@Suite struct ErrorRoutesTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let uri: String
        let body: String
        let status: Int
        let code: String
        var param: String? = nil
        var description: String { name }
    }

    static let longPrompt = String(repeating: "a", count: 80)

    static let cases: [Case] = [
        Case(
            name: "malformed JSON", uri: "/v1/chat/completions", body: #"{"model": "fake-model", "messages": [}"#,
            status: 400, code: "invalid_json"),
        Case(name: "empty body", uri: "/v1/chat/completions", body: "", status: 400, code: "invalid_json"),
        Case(
            name: "deeply nested JSON", uri: "/v1/chat/completions", body: String(repeating: "[", count: 4000),
            status: 400, code: "invalid_json"),
        Case(
            name: "invalid UTF-8", uri: "/v1/chat/completions", body: "{\"model\": \"\u{FFFD}\u{0}", status: 400,
            code: "invalid_json"),
        Case(
            name: "body not an object", uri: "/v1/chat/completions", body: "[1, 2]", status: 400, code: "invalid_type"),
        Case(
            name: "messages of the wrong type", uri: "/v1/chat/completions",
            body: #"{"model": "fake-model", "messages": "hello"}"#, status: 400, code: "invalid_type", param: "messages"
        ),
        Case(
            name: "content of the wrong type", uri: "/v1/chat/completions",
            body: #"{"model": "fake-model", "messages": [{"role": "user", "content": 42}]}"#, status: 400,
            code: "invalid_type", param: "messages[0].content"),
        Case(
            name: "max_tokens as a string", uri: "/v1/chat/completions",
            body: #"{"model": "fake-model", "messages": [{"role": "user", "content": "hi"}], "max_tokens": "ten"}"#,
            status: 400, code: "invalid_type", param: "max_tokens"),
        Case(
            name: "missing model", uri: "/v1/chat/completions",
            body: #"{"messages": [{"role": "user", "content": "hi"}]}"#,
            status: 400, code: "missing_required_parameter", param: "model"),
        Case(
            name: "unknown model", uri: "/v1/chat/completions",
            body: #"{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}"#, status: 404,
            code: "model_not_found", param: "model"),
        Case(
            name: "empty messages", uri: "/v1/chat/completions", body: #"{"model": "fake-model", "messages": []}"#,
            status: 400, code: "empty_messages", param: "messages"),
        Case(
            name: "unknown role", uri: "/v1/chat/completions",
            body: #"{"model": "fake-model", "messages": [{"role": "wizard", "content": "hi"}]}"#, status: 400,
            code: "invalid_value", param: "messages[0].role"),
        Case(
            name: "over-long prompt", uri: "/v1/chat/completions",
            body: #"{"model": "fake-model", "messages": [{"role": "user", "content": "\#(longPrompt)"}]}"#,
            status: 400, code: "context_length_exceeded", param: "messages"),
        Case(
            name: "max_tokens over the limit", uri: "/v1/chat/completions",
            body: #"{"model": "fake-model", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5000}"#,
            status: 400, code: "invalid_value", param: "max_tokens"),
        Case(
            name: "negative temperature", uri: "/v1/chat/completions",
            body: #"{"model": "fake-model", "messages": [{"role": "user", "content": "hi"}], "temperature": -1}"#,
            status: 400, code: "invalid_value", param: "temperature"),
        Case(
            name: "top_p that is 0 in single precision", uri: "/v1/chat/completions",
            body: #"{"model": "fake-model", "messages": [{"role": "user", "content": "hi"}], "top_p": 1e-320}"#,
            status: 400, code: "invalid_value", param: "top_p"),
        Case(
            name: "several choices", uri: "/v1/chat/completions",
            body: #"{"model": "fake-model", "messages": [{"role": "user", "content": "hi"}], "n": 3}"#,
            status: 400, code: "invalid_value", param: "n"),
        Case(
            name: "five stop sequences", uri: "/v1/chat/completions",
            body:
                #"{"model": "fake-model", "messages": [{"role": "user", "content": "hi"}], "stop": ["a", "b", "c", "d", "e"]}"#,
            status: 400, code: "invalid_value", param: "stop"),
        Case(
            name: "an empty stop sequence", uri: "/v1/completions",
            body: #"{"model": "fake-model", "prompt": "hi", "stop": ""}"#, status: 400, code: "invalid_value",
            param: "stop"),
        Case(
            name: "unknown policy", uri: "/v1/chat/completions",
            body:
                #"{"model": "fake-model", "messages": [{"role": "user", "content": "hi"}], "polygraph": {"policy": "shrug"}}"#,
            status: 400, code: "invalid_value", param: "polygraph.policy"),
        Case(
            name: "escalate without upstream", uri: "/v1/chat/completions",
            body:
                #"{"model": "fake-model", "messages": [{"role": "user", "content": "hi"}], "polygraph": {"policy": "escalate"}}"#,
            status: 400, code: "invalid_value", param: "polygraph.policy"),
        Case(
            name: "completion prompt of the wrong type", uri: "/v1/completions",
            body: #"{"model": "fake-model", "prompt": {"text": "hi"}}"#, status: 400, code: "invalid_type",
            param: "prompt"),
        Case(
            name: "over-long completion prompt", uri: "/v1/completions",
            body: #"{"model": "fake-model", "prompt": "\#(longPrompt)"}"#, status: 400, code: "context_length_exceeded",
            param: "prompt"),
        Case(
            name: "empty completion prompt", uri: "/v1/completions", body: #"{"model": "fake-model", "prompt": ""}"#,
            status: 400, code: "empty_prompt"),
        Case(name: "score with no input", uri: "/v1/score", body: #"{"input": []}"#, status: 400, code: "empty_input"),
        Case(
            name: "score with too many texts", uri: "/v1/score", body: #"{"input": ["a", "b", "c", "d", "e"]}"#,
            status: 400, code: "invalid_value", param: "input"),
        Case(
            name: "score input of the wrong type", uri: "/v1/score", body: #"{"input": 3}"#, status: 400,
            code: "invalid_type", param: "input"),
        Case(name: "unknown route", uri: "/v1/embeddings", body: "{}", status: 404, code: "not_found"),
    ]

    @Test("bad requests get OpenAI error JSON with the right status", arguments: cases)
    func badRequest(_ c: Case) async throws {
        let engine = FakeEngine()
        let app = TestServer.app(try TestServer.service(engine: engine))
        try await app.test(.router) { client in
            try await client.execute(uri: c.uri, method: .post, headers: jsonHeaders, body: ByteBuffer(string: c.body))
            {
                response in
                #expect(response.status.code == c.status, "\(String(buffer: response.body))")
                #expect(response.headers[.contentType] == "application/json")
                let error = try response.openAIError()
                #expect(error["code"] as? String == c.code)
                #expect((error["message"] as? String)?.isEmpty == false)
                #expect(error["type"] as? String == "invalid_request_error")
                if let param = c.param { #expect(error["param"] as? String == param) }
            }
            // The server still answers.
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
        #expect(engine.calls == 0)  // nothing bad reached the engine
    }

    @Test("a body over the size limit gets 413, with or without a Content-Length")
    func bodyTooLarge() async throws {
        let app = TestServer.app(try TestServer.service(), configuration: TestServer.configuration(maxBodyBytes: 256))
        let big = try jsonBody([
            "model": TestServer.modelID,
            "messages": [["role": "user", "content": String(repeating: "x", count: 1000)]],
        ])
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: jsonHeaders, body: big) {
                #expect($0.status == .contentTooLarge)
                let error = try $0.openAIError()
                #expect(error["code"] as? String == "request_too_large")
            }
        }
    }

    @Test("a full queue answers 429 with a rate-limit error and Retry-After")
    func queueFull() async throws {
        let service = try TestServer.service(queueCapacity: 1)
        let held = try service.queue.reserve()  // the only place is taken
        let body = try jsonBody(["model": TestServer.modelID, "messages": [["role": "user", "content": "hi"]]])
        try await TestServer.app(service).test(.router) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: jsonHeaders, body: body) {
                #expect($0.status == .tooManyRequests)
                #expect($0.headers[.retryAfter] != nil)
                let error = try $0.openAIError()
                #expect(error["type"] as? String == "rate_limit_error")
                #expect(error["code"] as? String == "queue_full")
            }
            try await client.execute(
                uri: "/v1/score", method: .post, headers: jsonHeaders,
                body: ByteBuffer(string: #"{"input": "x"}"#)
            ) {
                #expect($0.status == .tooManyRequests)
            }
        }
        _ = held
    }
}
