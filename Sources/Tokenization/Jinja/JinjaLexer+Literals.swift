// The Jinja lexer's literals: numbers and quoted strings (with Python's unicode-escape decoding).

extension JinjaLexer {
    /// A number literal (digits with `_` separators, an optional fraction and exponent); an integer past 64 bits is an
    /// error (jinja2's would be exact, and 0 before 2026-12-07 was silently wrong).
    mutating func number() throws {
        var j = pos
        func digits() { while let d = at(j), (d.isASCII && d.properties.numericType != nil) || d == "_" { j += 1 } }
        digits()
        var isFloat = false
        if at(j) == ".", let d = at(j + 1), d.isASCII, d.properties.numericType != nil {
            isFloat = true
            j += 1
            digits()
        }
        if at(j) == "e" || at(j) == "E" {
            var e = j + 1
            if at(e) == "+" || at(e) == "-" { e += 1 }
            if let d = at(e), d.isASCII, d.properties.numericType != nil {
                isFloat = true
                j = e
                digits()
            }
        }
        let text = String(String.UnicodeScalarView(src[pos..<j])).replacingOccurrences(of: "_", with: "")
        if isFloat {
            emit(.float(Double(text) ?? 0))
        } else {
            guard let n = Int(text) else {
                throw ChatTemplateError.syntax("integer \(text) is past 64 bits", line: line)
            }
            emit(.integer(n))
        }
        advance(to: j)
    }

    /// A quoted string with Python's `unicode-escape` decoding (as jinja2 decodes string literals); unknown escapes
    /// stay as written.
    mutating func stringLiteral(quote: Unicode.Scalar) throws {
        var j = pos + 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = at(j) else { throw ChatTemplateError.syntax("unterminated string", line: line) }
            if c == quote { break }
            if c == "\\", let e = at(j + 1) {
                j += 2
                switch e {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "\\": out.append("\\")
                case "'": out.append("'")
                case "\"": out.append("\"")
                case "a": out.append("\u{07}")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "v": out.append("\u{0B}")
                case "\n": break
                case "x", "u", "U":
                    let n = e == "x" ? 2 : e == "u" ? 4 : 8
                    let hex = String(String.UnicodeScalarView(src[j..<min(j + n, src.count)]))
                    guard hex.count == n, let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else {
                        throw ChatTemplateError.syntax("bad \\\(e) escape in string", line: line)
                    }
                    out.append(scalar)
                    j += n
                case "0"..."7":
                    var v: UInt32 = e.value - 48, n = 1
                    while n < 3, let d = at(j), ("0"..."7").contains(d) { v = v * 8 + d.value - 48; j += 1; n += 1 }
                    out.append(Unicode.Scalar(v)!)
                default:
                    out.append("\\")
                    out.append(e)
                }
            } else {
                out.append(c)
                j += 1
            }
        }
        emit(.string(String(out)))
        advance(to: j + 1)
    }
}
