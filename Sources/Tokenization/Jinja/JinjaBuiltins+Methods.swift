// Python's str/dict/list methods that chat templates call, and the Python string functions behind them.
import Foundation

extension JinjaBuiltins {
    // MARK: Python methods

    private static func method(
        _ name: String, _ body: @escaping ([JinjaValue], [(String, JinjaValue)]) throws -> JinjaValue
    ) -> JinjaValue {
        .function(JinjaFunction(name: name, call: body))
    }

    static func stringMethod(_ s: String, _ name: String) -> JinjaValue? {
        func chars(_ args: [JinjaValue]) -> String? { if case .string(let c)? = args.first { c } else { nil } }
        func prefixes(_ args: [JinjaValue]) throws -> [String] {
            switch args.first {
            case .string(let p)?: return [p]
            case .list(let a, _)?: return a.map(\.str)
            default: throw ChatTemplateError.render("\(name) first arg must be str or a tuple of str")
            }
        }
        switch name {
        case "strip", "lstrip", "rstrip":
            return method(name) { args, _ in
                .string(pythonStrip(s, chars: chars(args), leading: name != "rstrip", trailing: name != "lstrip"))
            }
        case "upper": return method(name) { _, _ in .string(s.uppercased()) }
        case "lower": return method(name) { _, _ in .string(s.lowercased()) }
        case "title": return method(name) { _, _ in .string(pythonTitle(s)) }
        case "capitalize": return method(name) { _, _ in .string(pythonCapitalize(s)) }
        case "startswith":
            return method(name) { args, _ in
                .bool(try prefixes(args).contains { s.unicodeScalars.starts(with: $0.unicodeScalars) })
            }
        case "endswith":
            return method(name) { args, _ in
                .bool(
                    try prefixes(args).contains {
                        s.unicodeScalars.reversed().starts(with: $0.unicodeScalars.reversed())
                    })
            }
        case "split", "rsplit":
            return method(name) { args, kwargs in
                let sep = (args.first ?? kwargs.first { $0.0 == "sep" }?.1).flatMap {
                    if case .string(let x) = $0 { x } else { nil }
                }
                let maxsplit = (args.count > 1 ? args[1] : kwargs.first { $0.0 == "maxsplit" }?.1)?.integerValue ?? -1
                return .list(
                    try pythonSplit(s, sep, maxsplit: maxsplit, fromRight: name == "rsplit").map { .string($0) })
            }
        case "splitlines":
            return method(name) { _, _ in
                .list(
                    s.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { .string(String($0)) }
                        .dropLast(s.last?.isNewline == true ? 1 : 0))
            }
        case "replace":
            return method(name) { args, _ in
                guard args.count >= 2 else { throw ChatTemplateError.render("replace() takes at least 2 arguments") }
                return .string(
                    try pythonReplace(
                        s, args[0].str, args[1].str, count: args.count > 2 ? args[2].integerValue ?? -1 : -1))
            }
        case "find", "rfind", "index", "rindex", "count":
            return method(name) { args, _ in
                guard case .string(let needle)? = args.first else {
                    throw ChatTemplateError.render("\(name)() needs a string")
                }
                let hay = Array(s.unicodeScalars), pin = Array(needle.unicodeScalars)
                var hits: [Int] = []
                if hay.count >= pin.count {
                    var i = 0
                    while i <= hay.count - pin.count {
                        if Array(hay[i..<(i + pin.count)]) == pin {
                            hits.append(i); i += max(pin.count, 1)
                        } else {
                            i += 1
                        }
                    }
                }
                if name == "count" { return .integer(hits.count) }
                guard let hit = name.hasPrefix("r") ? hits.last : hits.first else {
                    if name.hasSuffix("index") { throw ChatTemplateError.render("substring not found") }
                    return .integer(-1)
                }
                return .integer(hit)
            }
        case "join":
            return method(name) { args, _ in
                .string(try joined(try (args.first ?? .list([])).iterate().map(\.str), separator: s))
            }
        case "isdigit", "isalpha", "isspace", "isalnum", "isupper", "islower":
            return method(name) { _, _ in
                guard !s.isEmpty else { return .bool(false) }
                let u = s.unicodeScalars
                switch name {
                case "isdigit": return .bool(u.allSatisfy { $0.properties.numericType != nil })
                case "isalpha": return .bool(u.allSatisfy(\.properties.isAlphabetic))
                case "isalnum":
                    return .bool(u.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
                case "isspace": return .bool(u.allSatisfy(isPythonSpace))
                case "isupper": return .bool(s == s.uppercased() && s != s.lowercased())
                default: return .bool(s == s.lowercased() && s != s.uppercased())
                }
            }
        case "format":
            return method(name) { _, _ in throw ChatTemplateError.unsupported("str.format", line: 0) }
        default: return nil
        }
    }

    static func dictMethod(_ d: JinjaValue, _ name: String) -> JinjaValue? {
        guard case .dict(let pairs) = d else { return nil }
        switch name {
        case "items": return method(name) { _, _ in .list(pairs.map { .list([$0.0, $0.1], isTuple: true) }) }
        case "keys": return method(name) { _, _ in .list(pairs.map(\.0)) }
        case "values": return method(name) { _, _ in .list(pairs.map(\.1)) }
        case "get":
            return method(name) { args, _ in
                guard let key = args.first else { throw ChatTemplateError.render("get expected at least 1 argument") }
                return d.lookup(key) ?? (args.count > 1 ? args[1] : .none)
            }
        case "update", "pop", "setdefault", "clear", "popitem":
            return method(name) { _, _ in
                throw ChatTemplateError.render("dict.\(name) modifies a dict, which chat templates may not do")
            }
        default: return nil
        }
    }

    static func listMethod(_ a: [JinjaValue], _ name: String) -> JinjaValue? {
        switch name {
        case "index":
            return method(name) { args, _ in
                guard let x = args.first, let i = a.firstIndex(where: { JinjaValue.equal($0, x) }) else {
                    throw ChatTemplateError.render("value is not in list")
                }
                return .integer(i)
            }
        case "count":
            return method(name) { args, _ in .integer(a.filter { JinjaValue.equal($0, args.first ?? .none) }.count) }
        case "append", "extend", "pop", "insert", "remove", "sort", "reverse", "clear":
            return method(name) { _, _ in
                throw ChatTemplateError.render("list.\(name) modifies a list, which chat templates may not do")
            }
        default: return nil
        }
    }
}

extension JinjaValue {
    /// An integer (bools count, as in Python), nil for other types.
    var integerValue: Int? {
        switch self {
        case .integer(let n): n
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }

    var isFloat: Bool { if case .float = self { true } else { false } }
}

/// Python `str.strip([chars])`, `lstrip`, `rstrip`.
func pythonStrip(_ s: String, chars: String?, leading: Bool, trailing: Bool) -> String {
    let set = chars.map { Set($0.unicodeScalars) }
    let strip: (Unicode.Scalar) -> Bool = { set?.contains($0) ?? isPythonSpace($0) }
    var u = Substring(s).unicodeScalars[...]
    if leading { while let f = u.first, strip(f) { u = u.dropFirst() } }
    if trailing { while let l = u.last, strip(l) { u = u.dropLast() } }
    return String(String.UnicodeScalarView(u))
}

/// Python `str.replace(old, new[, count])`.
func pythonReplace(_ s: String, _ old: String, _ new: String, count: Int) throws -> String {
    let growth = new.utf8.count - old.utf8.count
    if growth > 0 {  // at most one replacement per len(old) characters of s, or per character and one more
        let n = s.unicodeScalars.count, most = old.isEmpty ? n + 1 : n / old.unicodeScalars.count
        try JinjaLimits.checkString(
            bytes: s.utf8.count + JinjaLimits.product(count < 0 ? most : min(count, most), growth), "replace")
    }
    if old.isEmpty {
        var out = String.UnicodeScalarView(), n = 0
        for u in s.unicodeScalars {
            if count < 0 || n < count { out.append(contentsOf: new.unicodeScalars); n += 1 }
            out.append(u)
        }
        if count < 0 || n < count { out.append(contentsOf: new.unicodeScalars) }
        return String(out)
    }
    let hay = Array(s.unicodeScalars), pin = Array(old.unicodeScalars)
    var out = String.UnicodeScalarView(), i = 0, n = 0
    while i < hay.count {
        if (count < 0 || n < count), i + pin.count <= hay.count, Array(hay[i..<(i + pin.count)]) == pin {
            out.append(contentsOf: new.unicodeScalars)
            i += pin.count
            n += 1
        } else {
            out.append(hay[i])
            i += 1
        }
    }
    return String(out)
}

/// `parts` joined by `separator` (`join`), within `JinjaLimits.stringBytes`.
func joined(_ parts: [String], separator: String) throws -> String {
    var bytes = JinjaLimits.product(max(parts.count - 1, 0), separator.utf8.count)
    for p in parts {
        bytes = min(bytes, JinjaLimits.stringBytes + 1) + p.utf8.count
        try JinjaLimits.checkString(bytes: bytes, "join")
    }
    try JinjaLimits.checkString(bytes: bytes, "join")
    return parts.joined(separator: separator)
}

/// Python `str.split(sep=None, maxsplit=-1)` and `rsplit`.
func pythonSplit(_ s: String, _ sep: String?, maxsplit: Int, fromRight: Bool) throws -> [String] {
    let u = Array(s.unicodeScalars)
    func text(_ r: ArraySlice<Unicode.Scalar>) -> String { String(String.UnicodeScalarView(r)) }
    guard let sep else {
        // Runs of whitespace separate; leading/trailing whitespace gives no empty strings.
        var words: [ArraySlice<Unicode.Scalar>] = []
        var i = 0
        var remainingSplits = maxsplit
        if fromRight {
            var j = u.count
            while j > 0 {
                while j > 0, isPythonSpace(u[j - 1]) { j -= 1 }
                if j == 0 { break }
                if remainingSplits == 0 { words.append(u[0..<j]); break }
                var k = j
                while k > 0, !isPythonSpace(u[k - 1]) { k -= 1 }
                words.append(u[k..<j])
                remainingSplits -= 1
                j = k
            }
            var trimmed = words.reversed().map(text)
            if let f = trimmed.first { trimmed[0] = pythonStrip(f, chars: nil, leading: false, trailing: true) }
            return trimmed
        }
        while i < u.count {
            while i < u.count, isPythonSpace(u[i]) { i += 1 }
            if i == u.count { break }
            if remainingSplits == 0 {
                words.append(u[i...])
                return words.map(text).enumerated().map {
                    $0.offset == words.count - 1
                        ? pythonStrip($0.element, chars: nil, leading: false, trailing: true) : $0.element
                }
            }
            var k = i
            while k < u.count, !isPythonSpace(u[k]) { k += 1 }
            words.append(u[i..<k])
            remainingSplits -= 1
            i = k
        }
        return words.map(text)
    }
    let pin = Array(sep.unicodeScalars)
    guard !pin.isEmpty else { throw ChatTemplateError.render("empty separator") }
    var cuts: [Int] = []
    var i = 0
    while i + pin.count <= u.count {
        if Array(u[i..<(i + pin.count)]) == pin { cuts.append(i); i += pin.count } else { i += 1 }
    }
    if maxsplit >= 0 && cuts.count > maxsplit {
        cuts = fromRight ? Array(cuts.suffix(maxsplit)) : Array(cuts.prefix(maxsplit))
    }
    var parts: [String] = [], start = 0
    for c in cuts {
        parts.append(text(u[start..<c]))
        start = c + pin.count
    }
    parts.append(text(u[start...]))
    return parts
}

func pythonCapitalize(_ s: String) -> String {
    guard let first = s.first else { return s }
    return first.uppercased() + s.dropFirst().lowercased()
}

/// Python `str.title()`: a letter after a non-letter is upper-cased, other letters lower-cased.
func pythonTitle(_ s: String) -> String {
    var out = "", previousCased = false
    for c in s {
        let isLetter = c.isLetter
        out += isLetter ? (previousCased ? c.lowercased() : c.uppercased()) : String(c)
        previousCased = isLetter
    }
    return out
}
