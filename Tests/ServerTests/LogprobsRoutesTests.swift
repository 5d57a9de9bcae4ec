import GateTestSupport
import Foundation
import Gate
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server

/// OpenAI `logprobs` (chat: `logprobs` + `top_logprobs`; completions: integer `logprobs`), streamed and not.
@Suite struct LogprobsRoutesTests {
    func post(
        _ uri: String, _ request: [String: Any], script: [Int] = [5, 12, 7],
        check: @escaping @Sendable (TestResponse) throws -> Void
    ) async throws {
        let app = TestServer.app(try TestServer.service(engine: FakeEngine(script: script)))
        let body = try jsonBody(request)
        try await app.test(.router) { client in
            try await client.execute(uri: uri, method: .post, headers: jsonHeaders, body: body) { try check($0) }
        }
    }

    var chat: [String: Any] {
        ["model": TestServer.modelID, "messages": [["role": "user", "content": "Is it true?"]]]
    }

    @Test("chat: content entries with token, logprob, bytes and top_logprobs; null when not asked")
    func chatLogprobs() async throws {
        var request = chat
        request["logprobs"] = true
        request["top_logprobs"] = 3
        try await post("/v1/chat/completions", request) { response in
            #expect(response.status == .ok)
            let choice = try #require((try response.json()["choices"] as? [[String: Any]])?.first)
            let logprobs = try #require(choice["logprobs"] as? [String: Any])
            let content = try #require(logprobs["content"] as? [[String: Any]])
            #expect(content.map { $0["token"] as? String } == ["w5 ", "w12 ", "w7 "])
            #expect(close(content[1]["logprob"], -0.2))  // FakeEngine: −0.1·(12 mod 5)
            #expect(content[0]["bytes"] as? [Int] == Array("w5 ".utf8).map(Int.init))
            let top = try #require(content[2]["top_logprobs"] as? [[String: Any]])
            #expect(top.map { $0["token"] as? String } == ["w7 ", "w8 ", "w9 "])
            #expect(close(top[2]["logprob"], -0.2 - 2))
        }
        try await post("/v1/chat/completions", chat) { response in
            let choice = try #require((try response.json()["choices"] as? [[String: Any]])?.first)
            #expect(choice["logprobs"] is NSNull)
        }
    }

    @Test("completions: parallel tokens, token_logprobs, top_logprobs dicts and text_offset")
    func completionLogprobs() async throws {
        try await post(
            "/v1/completions", ["model": TestServer.modelID, "prompt": "The sky is", "max_tokens": 3, "logprobs": 2]
        ) { response in
            #expect(response.status == .ok)
            let choice = try #require((try response.json()["choices"] as? [[String: Any]])?.first)
            let logprobs = try #require(choice["logprobs"] as? [String: Any])
            #expect(logprobs["tokens"] as? [String] == ["w5 ", "w12 ", "w7 "])
            #expect((logprobs["token_logprobs"] as? [Double])?.count == 3)
            #expect(logprobs["text_offset"] as? [Int] == [0, 3, 7])
            let top = try #require(logprobs["top_logprobs"] as? [[String: Double]])
            #expect(top.count == 3 && top[0].keys.sorted() == ["w5 ", "w6 "])
        }
    }

    @Test("streamed chat and completion chunks carry each token's entry")
    func streamed() async throws {
        var request = chat
        request["logprobs"] = true
        request["stream"] = true
        try await post("/v1/chat/completions", request) { response in
            let chunks = try response.events().dropLast().map(object)
            let entries = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first }
                .compactMap { ($0["logprobs"] as? [String: Any])?["content"] as? [[String: Any]] }
            #expect(entries.map(\.count) == [1, 1, 1])
            #expect(entries.map { $0[0]["token"] as? String } == ["w5 ", "w12 ", "w7 "])
            #expect(entries.allSatisfy { ($0[0]["top_logprobs"] as? [Any])?.isEmpty == true })
        }
        try await post(
            "/v1/completions",
            [
                "model": TestServer.modelID, "prompt": "x", "max_tokens": 3, "logprobs": 1,
                "stream": true,
            ]
        ) { response in
            let chunks = try response.events().dropLast().map(object)
            let offsets = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first }
                .compactMap { ($0["logprobs"] as? [String: Any])?["text_offset"] as? [Int] }
            #expect(offsets == [[0], [3], [7]])
        }
    }

    @Test(
        "out-of-range or inconsistent logprobs requests are 400 naming the field",
        arguments: [
            ("/v1/chat/completions", #"{"logprobs": true, "top_logprobs": 21}"#, "top_logprobs"),
            ("/v1/chat/completions", #"{"top_logprobs": 2}"#, "logprobs"),
            ("/v1/chat/completions", #"{"logprobs": "yes"}"#, "logprobs"),
            ("/v1/completions", #"{"logprobs": -1}"#, "logprobs"),
            ("/v1/completions", #"{"logprobs": 50}"#, "logprobs"),
        ])
    func invalid(uri: String, extra: String, param: String) async throws {
        var request: [String: Any] =
            uri.hasSuffix("chat/completions") ? chat : ["model": TestServer.modelID, "prompt": "x"]
        for (key, value) in try object(extra) { request[key] = value }
        try await post(uri, request) { response in
            #expect(response.status == .badRequest)
            let error = try #require(try response.json()["error"] as? [String: Any])
            #expect((error["message"] as? String ?? "").contains(param))
        }
    }
}
