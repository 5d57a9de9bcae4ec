import GateTestSupport
import Foundation
import Gate
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server

/// A client that goes away must not keep the one shared engine busy.
@Suite struct DisconnectTests {
    /// Connects to `port` and sends a chat completion POST.
    static func sendChatRequest(port: Int, body: String) throws -> RawClient {
        let client = try RawClient(port: port)
        client.send(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
        return client
    }

    /// Sends a request, waits until the engine is held by `pacer` (the generation is running), reads the first bytes
    /// of the answer when `readFirst`, and hangs up. Returns what was read, or nil if the engine never got there.
    static func requestAndHangUp(port: Int, body: String, readFirst: Bool, pacer: StepPacer) throws -> String? {
        let client = try sendChatRequest(port: port, body: body)
        defer { client.close() }
        // Generous: under the full parallel suite on 2 cores the request can wait long for a thread.
        guard pacer.waitUntilPaused(timeout: 300) else { return nil }
        return readFirst ? client.read(done: { !$0.isEmpty }).text : ""
    }

    /// Polls `condition` every 10 ms until it holds (true) or `timeout` seconds pass (false): waiting for an event
    /// the test cannot be told about, never a fixed sleep.
    static func eventually(timeout: Double = 60, _ condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard Date() < deadline else { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Sends a request and reads until the server closes the connection (at most 30 s without data);
    /// returns what was read and whether the server closed it.
    static func requestUntilClosed(port: Int, body: String) throws -> (String, closed: Bool) {
        let client = try sendChatRequest(port: port, body: body)
        defer { client.close() }
        return client.read()
    }

    static func body(stream: Bool) throws -> String {
        String(
            decoding: try JSONSerialization.data(
                withJSONObject: [
                    "model": TestServer.modelID, "messages": [["role": "user", "content": "hi"]], "max_tokens": 32,
                    "stream": stream,
                ] as [String: Any]), as: UTF8.self)
    }

    @Test("closing the connection mid-stream or mid-wait stops the generation", arguments: [true, false])
    func disconnect(stream: Bool) async throws {
        // The engine is held before token 3 while the client hangs up, and let go only once the server has cancelled
        // the job: no sleeps, and the step that follows is the first to see the flag.
        let pacer = StepPacer(pauseAt: 3)
        let engine = FakeEngine(script: Array(repeating: 5, count: 40), pacer: pacer)
        let service = try TestServer.service(engine: engine)
        try await TestServer.app(service).test(.live) { client in
            let port = try #require(client.port)
            let body = try Self.body(stream: stream)
            let head = try await onThread {
                try Self.requestAndHangUp(port: port, body: body, readFirst: stream, pacer: pacer)
            }
            if head == nil { pacer.release() }
            let read = try #require(head, "the engine never reached token 3")
            if stream { #expect(read.hasPrefix("HTTP/1.1 200")) }
            let noticed = try await Self.eventually { service.queue.cancellations == 1 }
            pacer.release()
            #expect(noticed, "the server never cancelled the generation of a client that left")
            #expect(try await Self.eventually { service.queue.running == 0 })
            // The prompt's pass and tokens 0...3 (of 32): token 3's step is the first to see the flag.
            #expect(engine.steps == 5, "generation ran \(engine.steps) steps after the client left")
        }
    }

    /// Watching for a hang-up ends the connection after a generation; a keep-alive client (httpx, the `openai`
    /// package) that is not told so reuses the closed socket and fails its next request.
    @Test("a generation response that ends the connection says Connection: close", arguments: [true, false])
    func connectionClose(stream: Bool) async throws {
        let service = try TestServer.service(engine: FakeEngine(script: [5, 7]))
        try await TestServer.app(service).test(.live) { client in
            let port = try #require(client.port)
            let body = try Self.body(stream: stream)
            let (response, closed) = try await onThread { try Self.requestUntilClosed(port: port, body: body) }
            let head = response.components(separatedBy: "\r\n\r\n").first?.lowercased() ?? ""
            #expect(head.hasPrefix("http/1.1 200"))
            #expect(closed, "the server kept the connection open after a generation")
            #expect(head.contains("\r\nconnection: close"), "closed without saying so: \(head)")
        }
    }

    /// Hardening defect 15: a client that shuts down writing after its request and waits for the answer.
    @Test(
        "a half-close after the request ends it under --input-close cancel and is answered under answer",
        arguments: [InputClose.cancel, .answer], [false, true])
    func halfClose(policy: InputClose, stream: Bool) async throws {
        var configuration = TestServer.configuration()
        configuration.connections.inputClose = policy
        let engine = FakeEngine(script: Array(repeating: 5, count: 20), stepDelay: 0.02)
        let app = PolygraphServer.buildApplication(
            service: try TestServer.service(engine: engine), configuration: configuration)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let body = try Self.body(stream: stream)
            let (response, closed) = try await onThread {
                let raw = try Self.sendChatRequest(port: port, body: body)
                raw.shutdownWrite()
                return raw.read()
            }
            #expect(closed, "the server did not end the connection")
            let complete = stream ? response.contains("data: [DONE]") : response.contains("\"choices\"")
            switch policy {
            case .answer:
                #expect(response.hasPrefix("HTTP/1.1 200"), "\(response.prefix(200))")
                #expect(complete, "the answer is incomplete: \(response.suffix(300))")
            case .cancel:
                #expect(!complete, "a half-closed request was answered under cancel")
                #expect(engine.steps < 20, "the generation ran to its end after the client closed its side")
            }
        }
    }
}
