import CKernels
import Foundation

/// SHA-256 (FIPS 180-4) over a stream of bytes, for the model file's identity in activation files and probes.
/// This type buffers and pads; whole blocks are compressed by `pg_sha256_blocks` (C: the x86 SHA extensions when
/// the CPU has them, else the plain compression function).
public struct SHA256Hasher: Sendable {
    /// `accelerated: false` always uses the plain compression function (tests compare both paths).
    public init(accelerated: Bool = true) { self.accelerated = accelerated }

    private let accelerated: Bool
    private var state: [UInt32] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(bytes.count)
        var i = 0
        if !buffer.isEmpty {
            let take = min(64 - buffer.count, bytes.count)
            buffer.append(contentsOf: bytes[0..<take]); i = take
            if buffer.count == 64 {
                buffer.withUnsafeBytes { compress($0.baseAddress!, blocks: 1) }
                buffer.removeAll()
            }
        }
        let whole = (bytes.count - i) / 64
        if whole > 0 { compress(bytes.baseAddress! + i, blocks: whole) }
        i += 64 * whole
        if i < bytes.count { buffer.append(contentsOf: bytes[i...]) }
    }

    public mutating func update(_ data: Data) { data.withUnsafeBytes { update($0) } }

    /// The lowercase hex digest; the hasher must not be used afterwards.
    public mutating func finalize() -> String {
        let bits = length &* 8
        var tail: [UInt8] = [0x80]
        while (buffer.count + tail.count) % 64 != 56 { tail.append(0) }
        for s in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(s))) }
        let saved = length
        tail.withUnsafeBytes { update($0) }
        length = saved
        return state.map { String(format: "%08x", $0) }.joined()
    }

    private mutating func compress(_ p: UnsafeRawPointer, blocks: Int) {
        let accelerated: Int32 = accelerated ? 1 : 0
        state.withUnsafeMutableBufferPointer {
            _ = pg_sha256_blocks($0.baseAddress!, p.assumingMemoryBound(to: UInt8.self), blocks, accelerated)
        }
    }

    /// SHA-256 of bytes in memory.
    public static func hexDigest(of data: Data) -> String {
        var hasher = SHA256Hasher()
        hasher.update(data)
        return hasher.finalize()
    }
}

/// Why a file could not be hashed.
public enum ChecksumError: Error, CustomStringConvertible {
    case unreadable(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path):
            return "\(path): cannot be opened for reading (to compute its sha256); check the path and permissions"
        }
    }
}
