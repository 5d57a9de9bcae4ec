import GateTestSupport
import Foundation
import Gate
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server

@Suite struct InfoRoutesTests {
    @Test("models, probes and health describe the loaded model, probes and queue")
    func info() async throws {
        let app = TestServer.app(try TestServer.service())
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .get) { response in
                #expect(response.status == .ok)
                let data = try #require(try response.json()["data"] as? [[String: Any]])
                #expect(data.first?["id"] as? String == TestServer.modelID)
                #expect(data.first?["object"] as? String == "model")
            }
            try await client.execute(uri: "/v1/probes", method: .get) { response in
                let data = try #require(try response.json()["data"] as? [[String: Any]])
                #expect(data.map { $0["id"] as? String } == ["fake-probe", "second"])
                #expect(data.first?["hook"] as? String == "blocks.3.hook_resid_post")
                #expect(data.first?["default"] as? Bool == true)
            }
            try await client.execute(uri: "/health", method: .get) { response in
                let json = try response.json()
                #expect(json["status"] as? String == "ok")
                #expect((json["queue"] as? [String: Any])?["capacity"] as? Int == 8)
            }
        }
    }

    @Test("score reads each given text at the probe's position without generating")
    func score() async throws {
        let engine = FakeEngine()
        let app = TestServer.app(try TestServer.service(engine: engine))
        let body = try jsonBody(["input": ["ab", "xyz"], "probe": "second"])
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/score", method: .post, headers: jsonHeaders, body: body) { response in
                #expect(response.status == .ok)
                let data = try #require(try response.json()["data"] as? [[String: Any]])
                #expect(data.count == 2)
                let last = try engine.textTokens("xyz").last!
                #expect(close(data[1]["p_true"], FakeProbe().score(FakeEngine.activation(last)).pTrue))
                #expect(data[1]["probe"] as? String == "second")
                #expect(data[1]["position"] as? String == "last")
                #expect(data[0]["index"] as? Int == 0)
            }
        }
        #expect(engine.steps == 0)
    }

    @Test("an API key makes the bearer token mandatory everywhere but /health")
    func auth() async throws {
        let app = TestServer.app(try TestServer.service(), configuration: TestServer.configuration(apiKey: "s3cret"))
        let body = try jsonBody(["model": TestServer.modelID, "messages": [["role": "user", "content": "hi"]]])
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .get) { response in
                #expect(response.status == .unauthorized)
                let error = try response.openAIError()
                #expect(error["code"] as? String == "invalid_api_key")
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer wrong"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "s3cret"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer s3cret"]) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: jsonHeaders, body: body) {
                #expect($0.status == .unauthorized)
            }
            // Hardening defect 15: the scheme name is case-insensitive (RFC 7235).
            for scheme in ["bearer", "BEARER", "bEaReR"] {
                try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "\(scheme) s3cret"])
                {
                    #expect($0.status == .ok, "scheme \(scheme)")
                }
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Basic s3cret"]) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    /// Hardening issue, defect 3: an empty key used to turn auth off silently.
    @Test("an empty API key refuses every request instead of serving without auth")
    func emptyKey() async throws {
        let app = TestServer.app(try TestServer.service(), configuration: TestServer.configuration(apiKey: ""))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer "]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("metrics count requests, latency, tokens, flags and queue depth in Prometheus text")
    func metrics() async throws {
        let app = TestServer.app(try TestServer.service(engine: FakeEngine(script: [5, 7])))
        let body = try jsonBody(["model": TestServer.modelID, "messages": [["role": "user", "content": "hi"]]])
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: jsonHeaders, body: body) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/v1/models", method: .get) { _ in }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(
                    text.contains(
                        #"polygraph_requests_total{route="/v1/chat/completions",method="POST",status="200"} 1"#))
                #expect(text.contains(#"polygraph_requests_total{route="/v1/models",method="GET",status="200"} 1"#))
                #expect(text.contains("polygraph_request_duration_seconds_bucket"))
                #expect(text.contains("polygraph_tokens_generated_total 2"))
                #expect(text.contains(#"polygraph_flags_total{flag="likely_false"} 1"#))
                #expect(text.contains(#"polygraph_flags_total{flag="ok"} 0"#))
                #expect(text.contains("polygraph_queue_depth 0"))
            }
        }
    }
}
