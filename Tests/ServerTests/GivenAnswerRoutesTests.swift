import GateTestSupport
import Foundation
import Gate
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server

/// `/v1/score` with given answers: `{"question" | "messages", "response"}` items, teacher-forced.
@Suite struct GivenAnswerRoutesTests {
    @Test("given answers are scored at the probe's answer position, as their generation would be")
    func given() async throws {
        let engine = FakeEngine(script: [5, 12, 7, 3])
        let service = try TestServer.service(engine: engine)
        let app = TestServer.app(service)
        let prompt = GatePrompt.chat([ChatMessage(role: "user", content: "Where is Paris?")])
        let generated = try service.gate.generate(prompt, options: GenerationOptions(maxTokens: 8))
        let body = try jsonBody([
            "input": [
                ["question": "Where is Paris?", "response": generated.text],
                ["messages": [["role": "user", "content": "Where is Paris?"]], "response": "w3 "],
            ]
        ])
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/score", method: .post, headers: jsonHeaders, body: body) { response in
                #expect(response.status == .ok)
                let data = try #require(try response.json()["data"] as? [[String: Any]])
                #expect(data.count == 2)
                #expect(close(data[0]["p_true"], generated.verdict.score.pTrue))
                #expect(close(data[1]["p_true"], FakeProbe().score(FakeEngine.activation(3)).pTrue))
                #expect(data[0]["position"] as? String == "answer" && data[1]["index"] as? Int == 1)
            }
        }
    }

    @Test(
        "malformed given answers are 400s that say what is wrong",
        arguments: [
            (#"{"input": {"question": "Q?"}}"#, "missing required field `input.response`"),
            (
                #"{"input": {"question": "Q?", "messages": [{"role": "user", "content": "Q?"}], "response": "a"}}"#,
                "exactly one of `question` and `messages`"
            ),
            (#"{"input": [{"response": "a"}]}"#, "exactly one of `question` and `messages`"),
            (#"{"input": {"question": "", "response": "a"}}"#, "`input[0].question` is empty"),
            (#"{"input": {"messages": [{"role": "robot", "content": "Q?"}], "response": "a"}}"#, "messages[0].role"),
            (#"{"input": ["text", {"question": "Q?", "response": "a"}]}"#, "`input[0]` has the wrong type"),
            (#"{"input": {"question": "Q?", "response": "a"}, "probe": "nope"}"#, "nope"),
        ])
    func malformed(body: String, fragment: String) async throws {
        let app = TestServer.app(try TestServer.service())
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/v1/score", method: .post, headers: jsonHeaders, body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .badRequest || response.status == .notFound)
                let message = String(buffer: response.body)
                #expect(message.contains(fragment), "\(message)")
            }
        }
    }
}
