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

    /// Classes of the 128 ASCII scalars, computed once.
    private static let ascii: [ScalarClass] = (0..<128).map { v in
        let s = Unicode.Scalar(UInt8(v))
        return classifyFully(s)
    }

    /// The class of `s`, with a table for ASCII.
    @inline(__always)
    static func of(_ s: Unicode.Scalar) -> ScalarClass {
        s.value < 128 ? ascii[Int(s.value)] : classifyFully(s)
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
