// The 32-value block formats of ggml (ggml/src/ggml-quants.c, dequantize_row_q4_0 … q8_0).
// Each block of 32 values: an f16 scale d (and for *_1 an f16 offset m), then the quants.
// 4-bit: byte j holds value j (low nibble) and value j+16 (high nibble).
// 5-bit: a little-endian uint32 holds the fifth bit of value i at bit i.

extension Dequantize {
    /// Q4_0 (18 bytes/32 values): x = (q - 8) · d.
    static func q4_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let p = src + b &* 18
            let y = dst + b &* 32
            let d = half(p, 0)
            let qs = (p + 2).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                y[j] = d * Float(Int32(qs[j] & 0x0F) - 8)
                y[j + 16] = d * Float(Int32(qs[j] >> 4) - 8)
            }
        }
    }

    /// Q4_1 (20 bytes/32 values): x = q · d + m.
    static func q4_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let p = src + b &* 20
            let y = dst + b &* 32
            let d = half(p, 0)
            let m = half(p, 2)
            let qs = (p + 4).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                y[j] = d * Float(qs[j] & 0x0F) + m
                y[j + 16] = d * Float(qs[j] >> 4) + m
            }
        }
    }

    /// Q5_0 (22 bytes/32 values): x = (q - 16) · d, q = nibble | fifth bit << 4.
    static func q5_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let p = src + b &* 22
            let y = dst + b &* 32
            let d = half(p, 0)
            let qh = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            let qs = (p + 6).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                let h0 = Int32((qh >> UInt32(j)) & 1) << 4
                let h1 = Int32((qh >> UInt32(j + 16)) & 1) << 4
                y[j] = d * Float((Int32(qs[j] & 0x0F) | h0) - 16)
                y[j + 16] = d * Float((Int32(qs[j] >> 4) | h1) - 16)
            }
        }
    }

    /// Q5_1 (24 bytes/32 values): x = q · d + m, q = nibble | fifth bit << 4.
    static func q5_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let p = src + b &* 24
            let y = dst + b &* 32
            let d = half(p, 0)
            let m = half(p, 2)
            let qh = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            let qs = (p + 8).assumingMemoryBound(to: UInt8.self)
            for j in 0..<16 {
                let h0 = UInt32((qh >> UInt32(j)) & 1) << 4
                let h1 = UInt32((qh >> UInt32(j + 16)) & 1) << 4
                y[j] = d * Float(UInt32(qs[j] & 0x0F) | h0) + m
                y[j + 16] = d * Float(UInt32(qs[j] >> 4) | h1) + m
            }
        }
    }

    /// Q8_0 (34 bytes/32 values): x = q · d, q a signed byte.
    static func q8_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let p = src + b &* 34
            let y = dst + b &* 32
            let d = half(p, 0)
            let qs = (p + 2).assumingMemoryBound(to: Int8.self)
            for j in 0..<32 {
                y[j] = Float(qs[j]) * d
            }
        }
    }
}
