// Builds the server around the fake engine and reads its JSON and SSE answers.
import GateTestSupport
import Foundation
import Gate
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server

enum TestServer {
    static let modelID = "fake-model"

    static func service(
        engine: FakeEngine = FakeEngine(), policy: GatePolicy = GatePolicy(),
        escalator: (any Escalator)? = nil, queueCapacity: Int = 8
    ) throws -> GateService {
        var second = FakeProbe()
        second.name = "second"
        return GateService(
            gate: try Gate(engine: engine, probes: [FakeProbe(), second]), policy: policy,
            escalator: escalator, queueCapacity: queueCapacity)
    }

    static func configuration(apiKey: String? = nil, maxBodyBytes: Int = 4096) -> ServerConfiguration {
        ServerConfiguration(
            apiKey: apiKey, modelID: modelID, maxTokensLimit: 32, defaultMaxTokens: 16,
            maxBodyBytes: maxBodyBytes, maxScoreTexts: 4)
    }

    static func app(
        _ service: GateService, configuration: ServerConfiguration = configuration(),
        metrics: ServerMetrics = ServerMetrics()
    ) -> some ApplicationProtocol {
        Application(
            router: PolygraphServer.buildRouter(
                service: service, configuration: configuration,
                metrics: metrics))
    }
}

extension TestResponse {
    /// The body as a JSON object (fails the test when it is not one).
    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
        return try #require(object as? [String: Any], "body is not a JSON object: \(String(buffer: body))")
    }

    /// The OpenAI error object of an error response.
    func openAIError() throws -> [String: Any] {
        try #require(try json()["error"] as? [String: Any], "no `error` object in \(String(buffer: body))")
    }

    /// The `data:` payloads of an SSE body, in order.
    func events() -> [String] {
        String(buffer: body).components(separatedBy: "\n\n").compactMap { block in
            block.hasPrefix("data: ") ? String(block.dropFirst(6)) : nil
        }
    }
}

/// JSON body for a request.
func jsonBody(_ object: [String: Any]) throws -> ByteBuffer {
    ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
}

func object(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

let jsonHeaders: HTTPFields = [.contentType: "application/json"]

/// True when a JSON number equals `expected` to 1e-12 (Foundation's JSON parser on Linux may drop the last digit).
func close(_ value: Any?, _ expected: Double) -> Bool {
    guard let value = value as? Double else { return false }
    return abs(value - expected) < 1e-12
}
