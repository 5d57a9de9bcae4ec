// The 256-value "k-quant" super-block formats (ggml/src/ggml-quants.c, dequantize_row_q4_K/q5_K/q6_K;
// introduced in llama.cpp PR #1684). A super-block holds 8 (Q4_K, Q5_K) or 16 (Q6_K) sub-blocks with their own scales.

extension Dequantize {
    /// The 6-bit scale and min of sub-block `j` (0..<8) from the 12 packed bytes of Q4_K/Q5_K (`get_scale_min_k4`):
    /// bytes 0-3 hold scales 0-3 (low 6 bits), bytes 4-7 mins 0-3; scales/mins 4-7 take their low 4 bits from
    /// bytes 8-11 and their high 2 bits from the top bits of bytes 0-7.
    @inline(__always)
    static func scaleMin(_ q: UnsafePointer<UInt8>, _ j: Int) -> (scale: Float, min: Float) {
        if j < 4 {
            return (Float(q[j] & 63), Float(q[j + 4] & 63))
        }
        let sc = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4)
        let m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4)
        return (Float(sc), Float(m))
    }

    /// Q4_K (144 bytes/256 values): f16 d, f16 dmin, 12 bytes of scales, 128 bytes of nibbles.
    /// Each 64 values share 32 bytes: values 0-31 are the low nibbles, 32-63 the high ones; x = d·sc·q - dmin·m.
    static func q4_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let p = src + b &* 144
            var y = dst + b &* 256
            let d = half(p, 0)
            let dmin = half(p, 2)
            let scales = (p + 4).assumingMemoryBound(to: UInt8.self)
            var q = (p + 16).assumingMemoryBound(to: UInt8.self)
            for pair in 0..<4 {
                let (s1, m1) = scaleMin(scales, 2 * pair)
                let (s2, m2) = scaleMin(scales, 2 * pair + 1)
                let d1 = d * s1, dm1 = dmin * m1
                let d2 = d * s2, dm2 = dmin * m2
                for l in 0..<32 { y[l] = d1 * Float(q[l] & 0x0F) - dm1 }
                for l in 0..<32 { y[l + 32] = d2 * Float(q[l] >> 4) - dm2 }
                q += 32
                y += 64
            }
        }
    }

    /// Q5_K (176 bytes/256 values): as Q4_K plus 32 bytes of fifth bits (bit k of byte l belongs to value 32·k + l).
    static func q5_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let p = src + b &* 176
            var y = dst + b &* 256
            let d = half(p, 0)
            let dmin = half(p, 2)
            let scales = (p + 4).assumingMemoryBound(to: UInt8.self)
            let qh = (p + 16).assumingMemoryBound(to: UInt8.self)
            var ql = (p + 48).assumingMemoryBound(to: UInt8.self)
            var u1: UInt8 = 1, u2: UInt8 = 2
            for pair in 0..<4 {
                let (s1, m1) = scaleMin(scales, 2 * pair)
                let (s2, m2) = scaleMin(scales, 2 * pair + 1)
                let d1 = d * s1, dm1 = dmin * m1
                let d2 = d * s2, dm2 = dmin * m2
                for l in 0..<32 {
                    let h: UInt8 = qh[l] & u1 != 0 ? 16 : 0
                    y[l] = d1 * Float((ql[l] & 0x0F) | h) - dm1
                }
                for l in 0..<32 {
                    let h: UInt8 = qh[l] & u2 != 0 ? 16 : 0
                    y[l + 32] = d2 * Float((ql[l] >> 4) | h) - dm2
                }
                ql += 32
                y += 64
                u1 <<= 2
                u2 <<= 2
            }
        }
    }

    /// Q6_K (210 bytes/256 values): 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 int8 scales, f16 d.
    /// x = d·scale·(q - 32), one scale per 16 values.
    static func q6_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, blocks: Int) {
        for b in 0..<blocks {
            let p = src + b &* 210
            var y = dst + b &* 256
            var ql = p.assumingMemoryBound(to: UInt8.self)
            var qh = (p + 128).assumingMemoryBound(to: UInt8.self)
            var sc = (p + 192).assumingMemoryBound(to: Int8.self)
            let d = half(p, 208)
            for _ in 0..<2 {
                // Two groups of 16 lanes; lane l of group g feeds values l, l+32, l+64, l+96 (scales g, g+2, g+4, g+6).
                for g in 0..<2 {
                    let s1 = d * Float(sc[g]), s2 = d * Float(sc[g + 2])
                    let s3 = d * Float(sc[g + 4]), s4 = d * Float(sc[g + 6])
                    for l in (16 * g)..<(16 * g + 16) {
                        let lo = ql[l], hi = ql[l + 32], h = qh[l]
                        y[l] = s1 * Float(Int32((lo & 0x0F) | ((h & 3) << 4)) - 32)
                        y[l + 32] = s2 * Float(Int32((hi & 0x0F) | (((h >> 2) & 3) << 4)) - 32)
                        y[l + 64] = s3 * Float(Int32((lo >> 4) | (((h >> 4) & 3) << 4)) - 32)
                        y[l + 96] = s4 * Float(Int32((hi >> 4) | (((h >> 6) & 3) << 4)) - 32)
                    }
                }
                y += 128
                ql += 64
                qh += 32
                sc += 8
            }
        }
    }
}
