// Character classes of the GPT-2 family split patterns: \p{L}, \p{N}, \s (Unicode White_Space), everything else.

/// The class of one Unicode scalar as the pre-tokenizer patterns see it.
enum ScalarClass: UInt8, Sendable {
    /// `\p{L}`: Lu, Ll, Lt, Lm, Lo.
    case letter
    /// `\p{N}`: Nd, Nl, No.
    case number
    /// `\s`: the Unicode White_Space property.
    case whitespace
    /// Anything else (punctuation, symbols, marks, controls).
    case other

    /// Classes of the Basic Multilingual Plane (U+0000–U+FFFF), computed once (~65 k property look-ups, a few ms):
    /// Unicode property queries cost far more than the scan itself.
    private static let basicPlane: [ScalarClass] = (0..<0x10000).map { v in
        Unicode.Scalar(UInt32(v)).map(classifyFully) ?? .other  // surrogate code points are no scalars
    }

    /// The class of `s`, from the table for the Basic Multilingual Plane.
    @inline(__always)
    static func of(_ s: Unicode.Scalar) -> ScalarClass {
        s.value < 0x10000 ? basicPlane[Int(s.value)] : classifyFully(s)
    }

    private static func classifyFully(_ s: Unicode.Scalar) -> ScalarClass {
        let p = s.properties
        if p.isWhitespace { return .whitespace }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }
}
