import GateTestSupport
import Foundation
import Gate
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server

/// Escalation over real HTTP: a second server plays the bigger model behind an OpenAI-compatible URL.
@Suite struct EscalationTests {
    /// An upstream that answers every chat with a fixed text and records what it was sent.
    static func upstream(log: RequestLog) -> some ApplicationProtocol {
        let router = Router()
        router.post("/v1/chat/completions") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            log.append(String(buffer: body), authorization: request.headers[.authorization])
            let json =
                #"{"id":"x","object":"chat.completion","model":"big-model","choices":[{"index":0,"#
                + #""message":{"role":"assistant","content":"Paris, says the big model."},"finish_reason":"stop"}]}"#
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        router.post("/v1/completions") { _, _ -> Response in
            Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "overloaded")))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test("a flagged chat is forwarded to the upstream URL over HTTP and its answer returned, marked escalated")
    func escalatesOverHTTP() async throws {
        let log = RequestLog()
        try await Self.upstream(log: log).test(.live) { upstreamClient in
            let port = try #require(upstreamClient.port)
            let escalator = OpenAIUpstream(
                baseURL: URL(string: "http://127.0.0.1:\(port)/v1")!, model: "big-model",
                apiKey: "up-key")
            let service = try TestServer.service(
                engine: FakeEngine(script: [5, 7]),
                policy: GatePolicy(action: .escalate), escalator: escalator)
            let body = try jsonBody([
                "model": TestServer.modelID, "max_tokens": 8,
                "messages": [["role": "user", "content": "Capital of France?"]],
            ])
            let textBody = try jsonBody(["model": TestServer.modelID, "prompt": "Capital of France?"])
            try await TestServer.app(service).test(.router) { client in
                try await client.execute(uri: "/v1/chat/completions", method: .post, headers: jsonHeaders, body: body) {
                    response in
                    #expect(response.status == .ok)
                    let choice = try #require((try response.json()["choices"] as? [[String: Any]])?.first)
                    #expect(
                        (choice["message"] as? [String: Any])?["content"] as? String == "Paris, says the big model.")
                    let polygraph = try #require(choice["polygraph"] as? [String: Any])
                    #expect(polygraph["escalated"] as? Bool == true)
                    #expect(polygraph["original_content"] as? String == "w5 w7 ")
                }
                // An upstream failure is a 502 in OpenAI's shape, not a crash.
                try await client.execute(uri: "/v1/completions", method: .post, headers: jsonHeaders, body: textBody) {
                    response in
                    #expect(response.status == .badGateway)
                    let error = try response.openAIError()
                    #expect(error["type"] as? String == "upstream_error")
                    #expect((error["message"] as? String)?.contains("503") == true)
                }
            }
        }
        let sent = try #require(log.entries.first)
        let forwarded = try object(sent.body)
        #expect(forwarded["model"] as? String == "big-model")
        #expect((forwarded["messages"] as? [[String: Any]])?.first?["content"] as? String == "Capital of France?")
        #expect(sent.authorization == "Bearer up-key")
    }
}

final class RequestLog: @unchecked Sendable {
    struct Entry {
        let body: String
        let authorization: String?
    }

    private let lock = NSLock()
    private var _entries: [Entry] = []
    var entries: [Entry] { lock.withLock { _entries } }
    func append(_ body: String, authorization: String?) {
        lock.withLock { _entries.append(Entry(body: body, authorization: authorization)) }
    }
}
