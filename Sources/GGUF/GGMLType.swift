// The ggml tensor element types and their block geometry: one table, as in ggml's type traits
// (ggml/src/ggml.c `type_traits`, and the `GGML_QUANT_SIZES` table of the gguf Python package).

/// A ggml tensor element type, as stored in a GGUF tensor directory entry (`ggml_type`).
///
/// Quantised types store values in blocks: `blockSize` consecutive values along `ne0` share one block of
/// `bytesPerBlock` bytes. Unquantised types have a block size of 1.
public enum GGMLType: UInt32, Sendable, CaseIterable, Codable {
    case f32 = 0, f16 = 1
    case q4_0 = 2, q4_1 = 3
    // 4 and 5 were Q4_2 and Q4_3, removed from ggml long ago.
    case q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30
    case tq1_0 = 34, tq2_0 = 35, mxfp4 = 39

    /// (values per block, bytes per block) for every type.
    private var geometry: (blockSize: Int, bytesPerBlock: Int) {
        switch self {
        case .f32: (1, 4)
        case .f16: (1, 2)
        case .q4_0: (32, 18)  // f16 d, 16 bytes of nibbles
        case .q4_1: (32, 20)  // f16 d, f16 m, 16 bytes of nibbles
        case .q5_0: (32, 22)  // f16 d, u32 high bits, 16 bytes of nibbles
        case .q5_1: (32, 24)  // f16 d, f16 m, u32 high bits, 16 bytes of nibbles
        case .q8_0: (32, 34)  // f16 d, 32 int8
        case .q8_1: (32, 36)  // f16 d, f16 s, 32 int8 (ggml-common.h static_assert; never stored in files)
        case .q2_K: (256, 84)
        case .q3_K: (256, 110)
        case .q4_K: (256, 144)  // f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles
        case .q5_K: (256, 176)  // as Q4_K plus 32 bytes of high bits
        case .q6_K: (256, 210)  // 128 bytes low nibbles, 64 bytes high 2-bits, 16 int8 scales, f16 d
        case .q8_K: (256, 292)
        case .iq2_xxs: (256, 66)
        case .iq2_xs: (256, 74)
        case .iq3_xxs: (256, 98)
        case .iq1_s: (256, 50)
        case .iq4_nl: (32, 18)
        case .iq3_s: (256, 110)
        case .iq2_s: (256, 82)
        case .iq4_xs: (256, 136)
        case .i8: (1, 1)
        case .i16: (1, 2)
        case .i32: (1, 4)
        case .i64: (1, 8)
        case .f64: (1, 8)
        case .iq1_m: (256, 56)
        case .bf16: (1, 2)
        case .tq1_0: (256, 54)
        case .tq2_0: (256, 66)
        case .mxfp4: (32, 17)
        }
    }

    /// Number of consecutive values (along `ne0`) that share one block.
    public var blockSize: Int { geometry.blockSize }

    /// Size in bytes of one block.
    public var bytesPerBlock: Int { geometry.bytesPerBlock }

    /// The name llama.cpp prints for this type (`Q4_K`, `F16`, ...).
    public var name: String { String(describing: self).uppercased() }

    /// Whether `GGUFFile.dequantize` can turn this type into `Float`s.
    public var canDequantize: Bool {
        switch self {
        case .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl, .iq4_xs:
            true
        default: false
        }
    }

    /// Types `dequantize` supports, for error messages.
    public static var dequantizable: [GGMLType] { allCases.filter(\.canDequantize) }

    /// Bytes needed for `elements` values, or nil when `elements` is not a whole number of blocks or overflows.
    public func byteCount(elements: Int) -> Int? {
        guard elements >= 0, elements % blockSize == 0 else { return nil }
        let (bytes, overflow) = (elements / blockSize).multipliedReportingOverflow(by: bytesPerBlock)
        return overflow ? nil : bytes
    }
}
