// Unquantised storage types: F32, F16 (IEEE half), BF16 (the high 16 bits of an IEEE float32).

extension Dequantize {
    /// F32: a straight copy of `count` values.
    static func f32(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
    }

    /// F16 → F32 (exact: every half is representable as a float).
    static func f16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            dst[i] = half(src, i &* 2)
        }
    }

    /// BF16 → F32: the 16 bits become the high half of the float's bit pattern.
    static func bf16(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let b = src.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)
            dst[i] = Float(bitPattern: UInt32(UInt16(littleEndian: b)) << 16)
        }
    }

    /// Reads the IEEE half at `offset` as a Float.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
    }
}
