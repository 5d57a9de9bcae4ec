// The 2- and 3-bit k-quant super-blocks (ggml/src/ggml-quants.c, dequantize_row_q2_K and dequantize_row_q3_K;
// llama.cpp PR #1684), the bulk of Q2_K and Q3_K_S/M/L files. 256 values in 16 sub-blocks of 16, each with its own
// 4- or 6-bit scale. Value order inside a super-block: two halves of 128; in half h, bit pair s (shift 2s) of byte l
// of the half's 32 quant bytes is value 128h + 32s + l, whose sub-block is 8h + 2s + l / 16.

extension Dequantize {
    /// Q2_K (84 bytes/256 values): u8 scales[16] (low nibble: scale, high nibble: min), u8 qs[64] of 2-bit values,
    /// f16 d, f16 dmin; x = d·scale·q − dmin·min.
    static func q2_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let p = src + b &* 84
            let y = dst + b &* 256
            let scales = p.assumingMemoryBound(to: UInt8.self)
            let qs = (p + 16).assumingMemoryBound(to: UInt8.self)
            let d = half(p, 80), dmin = half(p, 82)
            for j in 0..<16 {
                let half = j / 8, shift = UInt8(2 * ((j % 8) / 2)), start = 16 * (j % 2)
                let dl = d * Float(scales[j] & 0x0F), ml = dmin * Float(scales[j] >> 4)
                let q = qs + 32 * half + start
                let out = y + 16 * j
                for l in 0..<16 { out[l] = dl * Float((q[l] >> shift) & 3) - ml }
            }
        }
    }

    /// Q3_K (110 bytes/256 values): u8 hmask[32] (bit m of byte l: the high bit of value 32m + l), u8 qs[64] of the
    /// low 2 bits, 12 bytes of sixteen 6-bit scales, f16 d; x = d·(scale − 32)·(q − 4·(1 − high bit)).
    static func q3_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let p = src + b &* 110
            let y = dst + b &* 256
            let hmask = p.assumingMemoryBound(to: UInt8.self)
            let qs = (p + 32).assumingMemoryBound(to: UInt8.self)
            let packed = (p + 96).assumingMemoryBound(to: UInt8.self)
            let d = half(p, 108)
            for j in 0..<16 {
                // Scale j: low 4 bits from byte j % 8 (nibble j / 8), high 2 bits from byte 8 + j % 4 (pair j / 4).
                let low = (packed[j % 8] >> UInt8(4 * (j / 8))) & 0x0F
                let high = (packed[8 + j % 4] >> UInt8(2 * (j / 4))) & 3
                let dl = d * Float(Int(low | (high << 4)) - 32)
                let half = j / 8, shift = UInt8(2 * ((j % 8) / 2)), start = 16 * (j % 2)
                let bit = UInt8(1) << UInt8(j / 2)
                let q = qs + 32 * half + start, h = hmask + start
                let out = y + 16 * j
                for l in 0..<16 {
                    let value = Int((q[l] >> shift) & 3) - (h[l] & bit != 0 ? 0 : 4)
                    out[l] = dl * Float(value)
                }
            }
        }
    }
}
