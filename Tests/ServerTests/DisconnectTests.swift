import GateTestSupport
import Foundation
import Gate
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server
#if canImport(Glibc)
import Glibc
#endif

/// A client that goes away must not keep the one shared engine busy.
@Suite struct DisconnectTests {
    /// Opens a loopback socket to `port` (receive timeout `timeout` seconds) and sends a chat completion POST.
    /// The caller closes the returned descriptor.
    static func sendChatRequest(port: Int, body: String, timeout: Int = 5) throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var wait = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        let request = "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        return fd
        #else
        throw POSIXError(.ENOTSUP)
        #endif
    }

    /// Sends a request, reads the first bytes of the answer (or waits 0.2 s), and hangs up.
    static func requestAndHangUp(port: Int, body: String, readFirst: Bool) throws -> String {
        let fd = try sendChatRequest(port: port, body: body)
        defer { close(fd) }
        guard readFirst else {
            usleep(200_000)
            return ""
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
    }

    /// Sends a request and reads until the server closes the connection (at most 5 s without data);
    /// returns what was read and whether the server closed it.
    static func requestUntilClosed(port: Int, body: String) throws -> (String, closed: Bool) {
        let fd = try sendChatRequest(port: port, body: body)
        defer { close(fd) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return (String(decoding: received, as: UTF8.self), true) }
            if n < 0 { return (String(decoding: received, as: UTF8.self), false) }   // timed out: still open
            received += buffer[0..<n]
        }
    }

    /// Runs blocking socket code on its own thread: blocking one of the few cooperative-pool threads (two on a
    /// 2-core machine) would starve the server under test.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    static func body(stream: Bool) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: [
            "model": TestServer.modelID, "messages": [["role": "user", "content": "hi"]], "max_tokens": 32,
            "stream": stream,
        ] as [String: Any]), as: UTF8.self)
    }

    @Test("closing the connection mid-stream or mid-wait stops the generation", arguments: [true, false])
    func disconnect(stream: Bool) async throws {
        let engine = FakeEngine(script: Array(repeating: 5, count: 40), stepDelay: 0.05)
        let service = try TestServer.service(engine: engine)
        try await TestServer.app(service).test(.live) { client in
            let port = try #require(client.port)
            let body = try Self.body(stream: stream)
            let head = try await Self.onThread { try Self.requestAndHangUp(port: port, body: body, readFirst: stream) }
            if stream { #expect(head.hasPrefix("HTTP/1.1 200")) }
            // 33 steps would take ~1.6 s; the hang-up must stop it well before.
            try await Task.sleep(for: .milliseconds(2000))
            #expect(engine.steps < 25, "generation ran \(engine.steps) steps after the client left")
            #expect(service.queue.running == 0)
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
            let (response, closed) = try await Self.onThread { try Self.requestUntilClosed(port: port, body: body) }
            let head = response.components(separatedBy: "\r\n\r\n").first?.lowercased() ?? ""
            #expect(head.hasPrefix("http/1.1 200"))
            #expect(closed, "the server kept the connection open after a generation")
            #expect(head.contains("\r\nconnection: close"), "closed without saying so: \(head)")
        }
    }
}
