// Lexer for the Jinja subset used by chat templates. Follows jinja2's lexer (jinja2/lexer.py, Jinja 3.1) with the
// settings Hugging Face's apply_chat_template uses: trim_blocks, lstrip_blocks, keep_trailing_newline=False.

/// What went wrong while parsing or rendering a chat template.
public enum ChatTemplateError: Error, Equatable, CustomStringConvertible {
    /// The template text is not valid Jinja (or not in the supported subset's grammar).
    case syntax(String, line: Int)
    /// A Jinja construct this interpreter does not implement, named.
    case unsupported(String, line: Int)
    /// Rendering failed (an undefined value used, a type error, an unknown method).
    case render(String)
    /// The template called `raise_exception(message)`.
    case raised(String)
    /// The template went past one of the interpreter's bounds (`JinjaLimits`: nesting, sizes, steps).
    case limit(String)

    public var description: String {
        switch self {
        case let .syntax(message, line): "chat template syntax error (line \(line)): \(message)"
        case let .unsupported(construct, line):
            "chat template uses \(construct), which Polygraph's Jinja interpreter does not support (line \(line))"
        case let .render(message): "chat template rendering failed: \(message)"
        case let .raised(message): "chat template refused the conversation: \(message)"
        case let .limit(message):
            "chat template stopped: \(message); a chat prompt never needs this much, so the template is corrupt or hostile"
        }
    }
}

/// One lexical token: template text, a tag opener or closer, or a token of an expression inside a tag.
enum JinjaToken: Equatable {
    case text(String)
    case outputOpen, statementOpen, tagClose
    case name(String)
    case string(String)
    case integer(Int)
    case float(Double)
    case op(String)
}

struct LexedToken {
    let token: JinjaToken
    let line: Int
}

/// Python's `str.isspace()` characters (what `str.strip()`, `rstrip()` and the regex `\s` treat as whitespace).
func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
    switch s.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
    default: false
    }
}

/// Python's `str.splitlines()` line boundaries.
private func isLineBreak(_ s: Unicode.Scalar) -> Bool {
    switch s.value {
    case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: true
    default: false
    }
}

struct JinjaLexer {
    let src: [Unicode.Scalar]
    var pos = 0
    var line = 1
    private var tokens: [LexedToken] = []

    /// Newlines normalised as jinja2 does (`"\n".join(source.splitlines())`, which also drops one trailing newline).
    init(_ source: String) {
        var out: [Unicode.Scalar] = []
        let s = Array(source.unicodeScalars)
        var i = 0
        while i < s.count {
            if isLineBreak(s[i]) {
                if s[i] == "\r", i + 1 < s.count, s[i + 1] == "\n" { i += 1 }
                if i + 1 < s.count { out.append("\n") }
            } else {
                out.append(s[i])
            }
            i += 1
        }
        src = out
    }

    static func tokenize(_ source: String) throws -> [LexedToken] {
        var lexer = JinjaLexer(source)
        try lexer.run()
        return lexer.tokens
    }

    func at(_ i: Int) -> Unicode.Scalar? { i < src.count ? src[i] : nil }

    private func matches(_ literal: String, at i: Int) -> Bool {
        var j = i
        for c in literal.unicodeScalars {
            guard j < src.count, src[j] == c else { return false }
            j += 1
        }
        return true
    }

    mutating func emit(_ token: JinjaToken) { tokens.append(LexedToken(token: token, line: line)) }

    mutating func advance(to newPos: Int) {
        line += src[pos..<newPos].filter { $0 == "\n" }.count
        pos = newPos
    }

    private mutating func run() throws {
        var lineStarting = true
        while pos < src.count {
            // The next tag opener: `{{`, `{%` or `{#`.
            var k = pos
            while k + 1 < src.count, !(src[k] == "{" && (src[k + 1] == "{" || src[k + 1] == "%" || src[k + 1] == "#")) {
                k += 1
            }
            if k + 1 >= src.count {
                emitText(from: pos, to: src.count)
                advance(to: src.count)
                break
            }
            let kind = src[k + 1]
            let sign = at(k + 2)
            var textEnd = k
            if sign == "-" {
                while textEnd > pos, isPythonSpace(src[textEnd - 1]) { textEnd -= 1 }
            } else if sign != "+" && kind != "{" {
                // lstrip_blocks: drop spaces between the start of the line and a block or comment tag.
                var lineStart = textEnd
                while lineStart > pos, src[lineStart - 1] != "\n" { lineStart -= 1 }
                let afterNewline = lineStart > pos
                if (afterNewline || lineStarting) && lineStart < textEnd
                    && src[lineStart..<textEnd].allSatisfy(isPythonSpace)
                {
                    textEnd = lineStart
                }
            }
            emitText(from: pos, to: textEnd)
            advance(to: k)
            let bodyStart = k + 2 + (sign == "-" || sign == "+" ? 1 : 0)
            switch kind {
            case "#":
                guard let close = findCommentEnd(from: bodyStart) else {
                    throw ChatTemplateError.syntax("unterminated comment", line: line)
                }
                advance(to: close.end)
                finishTag(stripSign: close.sign, trimNewline: true)
            case "%":
                advance(to: bodyStart)
                if try rawBlock() { break }
                emit(.statementOpen)
                try expressionTokens(closer: "%")
            default:
                advance(to: bodyStart)
                emit(.outputOpen)
                try expressionTokens(closer: "}")
            }
            lineStarting = pos > 0 && src[pos - 1] == "\n"
        }
    }

    private mutating func emitText(from a: Int, to b: Int) {
        if b > a { emit(.text(String(String.UnicodeScalarView(src[a..<b])))) }
    }

    /// After a tag's closer: `-` strips all following whitespace; trim_blocks removes one newline after a block or
    /// comment tag unless the closer is `+`.
    private mutating func finishTag(stripSign: Unicode.Scalar?, trimNewline: Bool) {
        var p = pos
        if stripSign == "-" {
            while p < src.count, isPythonSpace(src[p]) { p += 1 }
        } else if stripSign != "+" && trimNewline && at(p) == "\n" {
            p += 1
        }
        advance(to: p)
    }

    private func findCommentEnd(from i: Int) -> (end: Int, sign: Unicode.Scalar?)? {
        var j = i
        while j + 1 < src.count {
            if src[j] == "#" && src[j + 1] == "}" {
                let sign = j > i && (src[j - 1] == "-" || src[j - 1] == "+") ? src[j - 1] : nil
                return (j + 2, sign)
            }
            j += 1
        }
        return nil
    }

    /// `{% raw %}…{% endraw %}`: the body is text.
    private mutating func rawBlock() throws -> Bool {
        var j = pos
        while j < src.count, isPythonSpace(src[j]) { j += 1 }
        guard matches("raw", at: j) else { return false }
        var e = j + 3
        while e < src.count, isPythonSpace(src[e]) { e += 1 }
        let sign: Unicode.Scalar? = at(e) == "-" || at(e) == "+" ? at(e) : nil
        if sign != nil { e += 1 }
        guard matches("%}", at: e) else { return false }
        advance(to: e + 2)
        finishTag(stripSign: sign, trimNewline: true)
        var k = pos
        while k < src.count {
            if matches("{%", at: k) {
                var m = k + 2
                let innerSign = at(m) == "-" ? at(m) : nil
                if at(m) == "-" || at(m) == "+" { m += 1 }
                while m < src.count, isPythonSpace(src[m]) { m += 1 }
                if matches("endraw", at: m) {
                    var textEnd = k
                    if innerSign == "-" { while textEnd > pos, isPythonSpace(src[textEnd - 1]) { textEnd -= 1 } }
                    emitText(from: pos, to: textEnd)
                    m += 6
                    while m < src.count, isPythonSpace(src[m]) { m += 1 }
                    let closeSign: Unicode.Scalar? = at(m) == "-" || at(m) == "+" ? at(m) : nil
                    if closeSign != nil { m += 1 }
                    guard matches("%}", at: m) else { throw ChatTemplateError.syntax("malformed endraw", line: line) }
                    advance(to: m + 2)
                    finishTag(stripSign: closeSign, trimNewline: true)
                    return true
                }
            }
            k += 1
        }
        throw ChatTemplateError.syntax("raw block without endraw", line: line)
    }

    /// Tokens of an expression up to the tag's closer (`%}` or `}}`, optionally with `-`/`+` before it).
    private mutating func expressionTokens(closer: Unicode.Scalar) throws {
        var depth = 0
        while true {
            while pos < src.count, isPythonSpace(src[pos]) { advance(to: pos + 1) }
            guard let c = at(pos) else { throw ChatTemplateError.syntax("unterminated tag", line: line) }
            if depth == 0 {
                for sign in ["", "-", "+"] where matches(sign + String(closer) + "}", at: pos) {
                    if closer == "}" && sign == "+" { continue }
                    advance(to: pos + sign.unicodeScalars.count + 2)
                    emit(.tagClose)
                    finishTag(stripSign: sign.unicodeScalars.first, trimNewline: closer == "%")
                    return
                }
            }
            if c == "'" || c == "\"" {
                try stringLiteral(quote: c)
            } else if c.properties.numericType != nil && c.isASCII {
                try number()
            } else if c == "_" || c.properties.isAlphabetic {
                var j = pos
                while let d = at(j),
                    d == "_" || d.properties.isAlphabetic || (d.isASCII && d.properties.numericType != nil)
                { j += 1 }
                emit(.name(String(String.UnicodeScalarView(src[pos..<j]))))
                advance(to: j)
            } else {
                let ops = [
                    "//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")",
                    "[", "]", "{", "}", ",", ".", ":", "|",
                ]
                guard let op = ops.first(where: { matches($0, at: pos) }) else {
                    throw ChatTemplateError.syntax("unexpected character '\(c)'", line: line)
                }
                if op == "(" || op == "[" || op == "{" { depth += 1 }
                if op == ")" || op == "]" || op == "}" { depth -= 1 }
                emit(.op(op))
                advance(to: pos + op.unicodeScalars.count)
            }
        }
    }
}
