import Foundation
import Gate
import GateTestSupport
import HummingbirdTesting
import Testing

@testable import Server

/// `chat_template_kwargs` on /v1/chat/completions: variables for this request's chat template render.
@Suite struct ChatTemplateKwargsTests {
    func chat(kwargs: Any) -> [String: Any] {
        [
            "model": TestServer.modelID, "messages": [["role": "user", "content": "Is it true?"]],
            "chat_template_kwargs": kwargs,
        ]
    }

    @Test("each kwarg reaches the chat template as name=JSON, sorted by name; none: no variables")
    func passedThrough() async throws {
        let engine = FakeEngine(script: [5, 7], contextLength: 512)
        let app = TestServer.app(try TestServer.service(engine: engine))
        let kwargs: [String: Any] = [
            "enable_thinking": false, "note": "say \"hi\"", "n": 3, "x": 0.5, "list": [1, "a", NSNull()],
            "obj": ["b": true, "a": ["k": 1]],
        ]
        let body = try jsonBody(chat(kwargs: kwargs))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: jsonHeaders, body: body) {
                response in
                #expect(response.status == .ok)
            }
            #expect(
                engine.lastTemplateVariables == [
                    "enable_thinking=false", "list=[1,\"a\",null]", "n=3", "note=\"say \\\"hi\\\"\"",
                    "obj={\"a\":{\"k\":1},\"b\":true}", "x=0.5",
                ])
            let plain = try jsonBody([
                "model": TestServer.modelID, "messages": [["role": "user", "content": "Is it true?"]],
            ])
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: jsonHeaders, body: plain) {
                response in
                #expect(response.status == .ok)
            }
            #expect(engine.lastTemplateVariables == [])
        }
    }

    @Test("a value that is not an object, or a name that is not one, is a 400 naming chat_template_kwargs")
    func malformed() async throws {
        let app = TestServer.app(try TestServer.service(engine: FakeEngine()))
        let cases: [(Any, String)] = [
            ("enable_thinking=false", "wrong type"), ([1, 2], "wrong type"),
            (["bad name": 1], "'bad name' is not a template variable name"),
            (["": 1], "'' is not a template variable name"), (["1st": true], "'1st'"),
        ]
        let requests = try cases.map { (try jsonBody(chat(kwargs: $0.0)), $0.1) }
        try await app.test(.router) { client in
            for (body, message) in requests {
                try await client.execute(
                    uri: "/v1/chat/completions", method: .post, headers: jsonHeaders, body: body
                ) { response in
                    #expect(response.status == .badRequest)
                    let error = try #require(try response.json()["error"] as? [String: Any])
                    #expect(error["param"] as? String == "chat_template_kwargs")
                    #expect((error["message"] as? String)?.contains(message) == true, "\(error)")
                }
            }
        }
    }

    @Test("a template that refuses the request is a 400 with code chat_template_refused, not a server error")
    func refused() async throws {
        try await expectBadRequest(kwargs: ["refuse": true]) { error in
            #expect(error["code"] as? String == "chat_template_refused")
            #expect(error["param"] as? String == "messages")
            #expect((error["message"] as? String)?.contains("refuse=true") == true)
        }
    }

    @Test("a chat asked of a model without a chat template is a 400 (no_chat_template) saying what to send instead")
    func noChatTemplate() async throws {
        try await expectBadRequest(kwargs: ["nochat": true]) { error in
            #expect(error["code"] as? String == "no_chat_template")
            #expect((error["message"] as? String)?.contains("/v1/completions") == true, "\(error)")
        }
    }

    /// Sends a chat request with `kwargs` to the fake engine, expects a 400, and checks its `error` object.
    private func expectBadRequest(
        kwargs: [String: Any], _ check: @escaping @Sendable ([String: Any]) -> Void
    ) async throws {
        let app = TestServer.app(try TestServer.service(engine: FakeEngine()))
        let body = try jsonBody(chat(kwargs: kwargs))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: jsonHeaders, body: body) {
                response in
                #expect(response.status == .badRequest)
                check(try #require(try response.json()["error"] as? [String: Any]))
            }
        }
    }
}
