import GateTestSupport
import Foundation
import Gate
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server

/// Hardening defect 4: after the model file was truncated or rewritten in place, requests get 503 (the engine would
/// fault reading the mapping) and /health says so, so that a load balancer takes the replica out.
@Suite struct ModelFileTests {
    @Test("a changed model file answers 503 model_file_changed on every model route and on /health")
    func changedModelFile() async throws {
        let engine = FakeEngine()
        let app = TestServer.app(try TestServer.service(engine: engine))
        let chat = try jsonBody(["model": TestServer.modelID, "messages": [["role": "user", "content": "hi"]]])
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            engine.fileProblem = "models/m.gguf: it was truncated in place from 100 to 10 bytes"
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: jsonHeaders, body: chat) {
                #expect($0.status == .serviceUnavailable)
                let error = try $0.openAIError()
                #expect(error["code"] as? String == "model_file_changed")
                #expect((error["message"] as? String)?.contains("Restart the server") == true)
            }
            try await client.execute(
                uri: "/v1/score", method: .post, headers: jsonHeaders,
                body: ByteBuffer(string: #"{"input": "x"}"#)
            ) {
                #expect($0.status == .serviceUnavailable)
            }
            try await client.execute(uri: "/health", method: .get) {
                #expect($0.status == .serviceUnavailable)
                let body = try $0.json()
                #expect(body["status"] as? String == "model_file_changed")
            }
        }
        #expect(engine.calls == 0)  // the engine was never asked to read the changed weights
    }
}
