import Foundation

/// SHA-256 (FIPS 180-4) of a file, streamed in 1 MiB blocks; used to record training datasets in the artifact.
enum SHA256 {
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    struct State {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var w = [UInt32](repeating: 0, count: 64)

        mutating func compress(_ block: UnsafeRawBufferPointer) {
            for t in 0..<16 {
                w[t] = UInt32(block[4 * t]) << 24 | UInt32(block[4 * t + 1]) << 16 | UInt32(block[4 * t + 2]) << 8 | UInt32(block[4 * t + 3])
            }
            for t in 16..<64 {
                let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
                let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
            for t in 0..<64 {
                let t1 = hh &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ SHA256.k[t] &+ w[t]
                let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
            }
            h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
        }

        @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
    }

    /// Lowercase hex digest of `data`.
    static func hex(of data: Data) -> String {
        var state = State()
        var tail = data
        let full = data.count / 64 * 64
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < full { state.compress(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 64)])); offset += 64 }
        }
        tail = data.subdata(in: full..<data.count)
        return finish(&state, tail: tail, totalBytes: UInt64(data.count))
    }

    /// Lowercase hex digest of the file at `path`.
    static func hex(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ProbeError.unreadableActivations(path: path, reason: "cannot open the file to hash it")
        }
        defer { try? handle.close() }
        var state = State()
        var carry = Data(), total: UInt64 = 0
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            total += UInt64(chunk.count)
            carry.append(chunk)
            let full = carry.count / 64 * 64
            carry.withUnsafeBytes { raw in
                var offset = 0
                while offset < full { state.compress(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 64)])); offset += 64 }
            }
            carry = carry.subdata(in: full..<carry.count)
        }
        return finish(&state, tail: carry, totalBytes: total)
    }

    private static func finish(_ state: inout State, tail: Data, totalBytes: UInt64) -> String {
        var last = tail
        last.append(0x80)
        while last.count % 64 != 56 { last.append(0) }
        let bits = totalBytes &* 8
        for i in (0..<8).reversed() { last.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
        last.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count { state.compress(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 64)])); offset += 64 }
        }
        return state.h.map { String(format: "%08x", $0) }.joined()
    }
}
