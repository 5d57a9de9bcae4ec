import GateTestSupport
import Foundation
import Gate
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server

@Suite struct CompletionRoutesTests {
    var chat: [String: Any] {
        ["model": TestServer.modelID, "messages": [["role": "user", "content": "Is it true?"]]]
    }

    @Test("a chat completion carries the answer, usage and the polygraph object")
    func chatNonStreaming() async throws {
        let app = TestServer.app(try TestServer.service(engine: FakeEngine(script: [5, 12, 7, 3])))
        let body = try jsonBody(chat)
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: jsonHeaders,
                body: body
            ) { response in
                #expect(response.status == .ok)
                let json = try response.json()
                #expect(json["object"] as? String == "chat.completion")
                #expect(json["model"] as? String == TestServer.modelID)
                let choice = try #require((json["choices"] as? [[String: Any]])?.first)
                let message = try #require(choice["message"] as? [String: Any])
                #expect(message["role"] as? String == "assistant")
                #expect(message["content"] as? String == "w5 w12 w7 w3 ")
                #expect(choice["finish_reason"] as? String == "stop")
                let polygraph = try #require(choice["polygraph"] as? [String: Any])
                let expected = FakeProbe().score(FakeEngine.activation(3))
                #expect(close(polygraph["p_true"], expected.pTrue))
                #expect(polygraph["flag"] as? String == "uncertain")
                #expect(polygraph["probe"] as? String == "fake-probe")
                #expect(polygraph["hook"] as? String == "blocks.3.hook_resid_post")
                #expect(polygraph["position"] as? String == "answer")
                #expect((polygraph["token_p_true"] as? [Double])?.count == 4)
                let usage = try #require(json["usage"] as? [String: Any])
                #expect(usage["completion_tokens"] as? Int == 4)
                #expect(usage["total_tokens"] as? Int == (usage["prompt_tokens"] as? Int ?? 0) + 4)
            }
        }
    }

    @Test("a text completion answers in the text_completion shape")
    func completionNonStreaming() async throws {
        let app = TestServer.app(try TestServer.service(engine: FakeEngine(script: [5, 7])))
        let body = try jsonBody(["model": TestServer.modelID, "prompt": "The sky is", "max_tokens": 4])
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/completions", method: .post, headers: jsonHeaders, body: body) {
                response in
                #expect(response.status == .ok)
                let json = try response.json()
                #expect(json["object"] as? String == "text_completion")
                let choice = try #require((json["choices"] as? [[String: Any]])?.first)
                #expect(choice["text"] as? String == "w5 w7 ")
                let polygraph = try #require(choice["polygraph"] as? [String: Any])
                #expect(polygraph["flag"] as? String == "likely_false")
            }
        }
    }

    @Test("a streamed chat sends per-token scores, then the verdict, then [DONE]")
    func chatStreaming() async throws {
        let app = TestServer.app(try TestServer.service(engine: FakeEngine(script: [5, 12, 7])))
        var request = chat
        request["stream"] = true
        request["stream_options"] = ["include_usage": true]
        let body = try jsonBody(request)
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: jsonHeaders,
                body: body
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream")
                let events = response.events()
                #expect(events.last == "[DONE]")
                let chunks = try events.dropLast().map(object)
                #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
                let choices = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first }
                let deltas = choices.compactMap { ($0["delta"] as? [String: Any])?["content"] as? String }
                #expect(deltas.joined() == "w5 w12 w7 ")
                let tokenScores = choices.compactMap { $0["polygraph"] as? [String: Any] }
                    .filter { $0["token_index"] != nil }
                #expect(tokenScores.map { $0["token_index"] as? Int } == [0, 1, 2])
                #expect(close(tokenScores[2]["p_true"], FakeProbe().score(FakeEngine.activation(7)).pTrue))
                let final = try #require(choices.last)
                #expect(final["finish_reason"] as? String == "stop")
                let verdict = try #require(final["polygraph"] as? [String: Any])
                #expect(verdict["flag"] as? String == "likely_false")
                #expect(verdict["probe"] as? String == "fake-probe")
                // The usage chunk comes last, with no choices.
                #expect((chunks.last?["choices"] as? [Any])?.isEmpty == true)
                #expect((chunks.last?["usage"] as? [String: Any])?["completion_tokens"] as? Int == 3)
            }
        }
    }

    @Test(
        "stop sequences end the answer before them, streamed or not, with finish_reason stop", arguments: [false, true])
    func stopSequences(stream: Bool) async throws {
        let app = TestServer.app(try TestServer.service(engine: FakeEngine(script: [5, 12, 7, 3], endsTurn: false)))
        var request = chat
        request["stop"] = ["xyz", "2 w7"]
        request["stream"] = stream
        let body = try jsonBody(request)
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: jsonHeaders,
                body: body
            ) { response in
                #expect(response.status == .ok)
                let choice: [String: Any]
                if stream {
                    let choices = try response.events().dropLast().map(object)
                        .compactMap { ($0["choices"] as? [[String: Any]])?.first }
                    let deltas = choices.compactMap { ($0["delta"] as? [String: Any])?["content"] as? String }
                    #expect(deltas.joined() == "w5 w1")
                    choice = try #require(choices.last)
                } else {
                    choice = try #require((try response.json()["choices"] as? [[String: Any]])?.first)
                    #expect((choice["message"] as? [String: Any])?["content"] as? String == "w5 w1")
                }
                #expect(choice["finish_reason"] as? String == "stop")
                let verdict = try #require(choice["polygraph"] as? [String: Any])
                #expect(close(verdict["p_true"], FakeProbe().score(FakeEngine.activation(12)).pTrue))
            }
        }
    }

    @Test("a streamed text completion ends with the flag before [DONE]")
    func completionStreaming() async throws {
        let app = TestServer.app(try TestServer.service(engine: FakeEngine(script: [7, 5])))
        let body = try jsonBody(["model": TestServer.modelID, "prompt": "x", "stream": true])
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/completions", method: .post, headers: jsonHeaders, body: body) {
                response in
                let events = response.events()
                #expect(events.last == "[DONE]")
                let final = try object(events[events.count - 2])
                let choice = try #require((final["choices"] as? [[String: Any]])?.first)
                #expect((choice["polygraph"] as? [String: Any])?["flag"] as? String == "ok")
                #expect(final["object"] as? String == "text_completion")
            }
        }
    }

    @Test(
        "a request's polygraph field switches to abstain: the message replaces a flagged answer, the original is kept")
    func abstainOverride() async throws {
        let app = TestServer.app(try TestServer.service(engine: FakeEngine(script: [5, 7])))
        var request = chat
        request["polygraph"] = ["policy": "abstain", "abstain_message": "I'd rather not say."]
        let plain = try jsonBody(request)
        request["stream"] = true
        let streamed = try jsonBody(request)
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: jsonHeaders,
                body: plain
            ) { response in
                let choice = try #require((try response.json()["choices"] as? [[String: Any]])?.first)
                #expect((choice["message"] as? [String: Any])?["content"] as? String == "I'd rather not say.")
                let polygraph = try #require(choice["polygraph"] as? [String: Any])
                #expect(polygraph["action"] as? String == "abstained")
                #expect(polygraph["original_content"] as? String == "w5 w7 ")
                #expect(polygraph["flagged"] as? Bool == true)
            }
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: jsonHeaders,
                body: streamed
            ) { response in
                // Held back: no token of the withheld answer is streamed as content (it is kept in the final
                // polygraph object only, as `original_content`).
                let events = response.events()
                #expect(events.last == "[DONE]")
                let choices = try events.dropLast().map(object).compactMap {
                    ($0["choices"] as? [[String: Any]])?.first
                }
                let content = choices.compactMap { ($0["delta"] as? [String: Any])?["content"] as? String }.joined()
                #expect(content == "I'd rather not say.")
                let verdict = try #require(choices.last?["polygraph"] as? [String: Any])
                #expect(verdict["original_content"] as? String == "w5 w7 ")
            }
        }
    }

    @Test("escalate forwards a flagged request upstream and marks the answer escalated")
    func escalate() async throws {
        let upstream = FakeEscalator()
        let service = try TestServer.service(
            engine: FakeEngine(script: [5, 7]), policy: GatePolicy(action: .escalate),
            escalator: upstream)
        let body = try jsonBody(chat)
        try await TestServer.app(service).test(.router) { client in
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: jsonHeaders,
                body: body
            ) { response in
                let choice = try #require((try response.json()["choices"] as? [[String: Any]])?.first)
                #expect((choice["message"] as? [String: Any])?["content"] as? String == "upstream says hi")
                let polygraph = try #require(choice["polygraph"] as? [String: Any])
                #expect(polygraph["escalated"] as? Bool == true)
                #expect(polygraph["upstream_model"] as? String == "big-model")
                #expect(polygraph["policy"] as? String == "escalate")
            }
        }
        #expect(upstream.calls == 1)
    }

    @Test("a request can pick another loaded probe by name, never by path")
    func probeSelection() async throws {
        let app = TestServer.app(try TestServer.service())
        var request = chat
        request["polygraph"] = ["probe": "second"]
        let second = try jsonBody(request)
        request["polygraph"] = ["probe": "/tmp/evil.json"]
        let evil = try jsonBody(request)
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: jsonHeaders,
                body: second
            ) { response in
                let choice = try #require((try response.json()["choices"] as? [[String: Any]])?.first)
                #expect((choice["polygraph"] as? [String: Any])?["probe"] as? String == "second")
            }
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: jsonHeaders,
                body: evil
            ) { response in
                #expect(response.status == .notFound)
                let error = try response.openAIError()
                #expect(error["code"] as? String == "probe_not_found")
            }
        }
    }
}
