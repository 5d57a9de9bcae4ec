// The 4-bit non-linear formats (ggml/src/ggml-quants.c, dequantize_row_iq4_nl / iq4_xs; llama.cpp PRs #5590 and
// #5747): each 4-bit index picks one of 16 fixed int8 levels (kvalues_iq4nl), spaced more densely near zero than a
// uniform grid. IQ4_NL has one f16 scale per 32 values; IQ4_XS a super-block of 256 with 6-bit sub-block scales.

extension Dequantize {
    /// kvalues_iq4nl (ggml-common.h): the 16 levels a 4-bit index stands for.
    static let iq4Levels: [Int8] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]

    /// IQ4_NL (18 bytes/32 values): f16 d, 16 bytes of indices (low nibble: value j, high nibble: value j + 16);
    /// x = d·level(index).
    static func iq4_nl(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let p = src + b &* 18
            let d = half(p, 0)
            let qs = (p + 2).assumingMemoryBound(to: UInt8.self)
            levels(qs, scale: d, into: dst + b &* 32)
        }
    }

    /// IQ4_XS (136 bytes/256 values): f16 d, u16 scales_h (2 high bits per sub-block), u8 scales_l[4] (a nibble per
    /// sub-block), then per 32-value sub-block IQ4_NL's 16 index bytes; x = d·(scale − 32)·level(index).
    static func iq4_xs(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let p = src + b &* 136
            let d = half(p, 0)
            let high = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            let low = (p + 4).assumingMemoryBound(to: UInt8.self)
            for j in 0..<8 {
                let scale = Int((low[j / 2] >> UInt8(4 * (j % 2))) & 0x0F) | Int((high >> UInt16(2 * j)) & 3) << 4
                let qs = (p + 8 + 16 * j).assumingMemoryBound(to: UInt8.self)
                levels(qs, scale: d * Float(scale - 32), into: dst + b &* 256 + 32 * j)
            }
        }
    }

    /// 32 values from 16 index bytes: y[j] = scale·level(low nibble of byte j), y[j + 16] = scale·level(high nibble).
    @inline(__always)
    private static func levels(_ qs: UnsafePointer<UInt8>, scale: Float, into y: UnsafeMutablePointer<Float>) {
        iq4Levels.withUnsafeBufferPointer { table in
            for j in 0..<16 {
                y[j] = scale * Float(table[Int(qs[j] & 0x0F)])
                y[j + 16] = scale * Float(table[Int(qs[j] >> 4)])
            }
        }
    }
}
