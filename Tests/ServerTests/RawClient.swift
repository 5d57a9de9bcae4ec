// A blocking loopback TCP client for tests that need to misbehave (send half a request, stall, hold connections).
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

final class RawClient: @unchecked Sendable {
    let fd: Int32

    /// Connects to 127.0.0.1:`port`; reads give up after `timeout` seconds without data (by default long enough for
    /// a server starved by CI's parallel suites on 2 cores: a read waits only until the server answers or closes).
    init(port: Int, timeout: Double = 30) throws {
        #if canImport(Glibc)
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.EMFILE) }
            var wait = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
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
                Glibc.close(fd)
                throw POSIXError(.ECONNREFUSED)
            }
        #else
            throw POSIXError(.ENOTSUP)
        #endif
    }

    deinit { close() }

    private var closed = false
    func close() {
        guard !closed else { return }
        closed = true
        _ = Glibc.close(fd)
    }

    /// Closes the sending side only (a TCP half-close): the server sees the end of the request, reads still work.
    func shutdownWrite() {
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    func send(_ text: String) {
        _ = text.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until the server closes the connection, a read times out, or `done` says what was read is enough.
    /// `closed` is true when the server closed (or reset) the connection.
    func read(done: ([UInt8]) -> Bool = { _ in false }) -> (text: String, closed: Bool) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return (String(decoding: received, as: UTF8.self), true) }
            if n < 0 { return (String(decoding: received, as: UTF8.self), errno == ECONNRESET) }
            received += buffer[0..<n]
            if done(received) { return (String(decoding: received, as: UTF8.self), false) }
        }
    }

    /// One HTTP response with a Content-Length (the server's JSON answers have one), or what came before a close.
    func readResponse() -> String {
        read(done: { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n") else { return false }
            let head = text[..<end.lowerBound].lowercased()
            let length =
                head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            return bytes.count >= text[..<end.upperBound].utf8.count + length
        }).text
    }
}

/// Runs blocking socket code on its own thread, away from the cooperative pool the server under test needs.
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
