import Foundation
import Testing
@testable import Server

/// Found by tests-interop/hostile: a request body the HTTP parser cannot frame was answered 500 "internal error"
/// (a server fault); it is the client's, so 400 with an OpenAI error body.
@Suite struct MalformedBodyTests {
    static let requests: [(String, String)] = [
        ("bad chunk size", ConnectionLimitTests.post(length: "", body: "zz\r\nabc\r\n0\r\n\r\n", chunked: true)),
        (
            "chunk size past 2^64",
            ConnectionLimitTests.post(length: "", body: "10000000000000000\r\nabc\r\n", chunked: true)
        ),
        (
            "unknown transfer coding",
            "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n{}"
        ),
    ]

    @Test("an unframeable body gets 400 with a JSON error, and the server keeps serving", arguments: 0..<requests.count)
    func unframeable(index: Int) async throws {
        let (label, request) = Self.requests[index]
        let app = try ConnectionLimitTests.app(ConnectionLimits())
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let (response, health) = try await onThread {
                let raw = try RawClient(port: port)
                raw.send(request)
                let response = raw.readResponse()
                let again = try RawClient(port: port)
                again.send(ConnectionLimitTests.health)
                return (response, again.readResponse())
            }
            #expect(response.hasPrefix("HTTP/1.1 400"), "\(label): \(response)")
            #expect(response.contains(#""code":"malformed_request""#), "\(label): \(response)")
            #expect(health.hasPrefix("HTTP/1.1 200"), "\(label): /health afterwards: \(health)")
        }
    }
}
