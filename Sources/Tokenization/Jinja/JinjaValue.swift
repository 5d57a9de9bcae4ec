// Values of the Jinja interpreter with Python's semantics where chat templates observe them: truthiness, equality,
// str()/repr() output (jinja2 prints values with Python's str()), and json.dumps for `tojson`.
import Foundation

/// A callable value: a global function, a macro, or a bound method of a string, list or dict.
struct JinjaFunction {
    let name: String
    let call: ([JinjaValue], [(String, JinjaValue)]) throws -> JinjaValue
}

/// `namespace(...)`: the one mutable object, assigned with `{% set ns.attr = value %}`.
final class JinjaNamespace {
    var values: [(String, JinjaValue)]
    init(_ values: [(String, JinjaValue)]) { self.values = values }
    subscript(key: String) -> JinjaValue? {
        get { values.first { $0.0 == key }?.1 }
        set {
            if let i = values.firstIndex(where: { $0.0 == key }) {
                values[i].1 = newValue ?? .none
            } else {
                values.append((key, newValue ?? .none))
            }
        }
    }
}

enum JinjaValue {
    /// jinja2's `Undefined`: prints as "", is falsy and iterates as empty; most other uses fail (`hint` names it).
    case undefined(String)
    case none
    case bool(Bool)
    case integer(Int)
    case float(Double)
    case string(String)
    /// A list; `isTuple` only changes how it prints.
    case list([JinjaValue], isTuple: Bool = false)
    /// A dict, in insertion order.
    case dict([(JinjaValue, JinjaValue)])
    case namespace(JinjaNamespace)
    case function(JinjaFunction)

    init(_ literal: JinjaLiteral) {
        switch literal {
        case .none: self = .none
        case .bool(let b): self = .bool(b)
        case .integer(let n): self = .integer(n)
        case .float(let x): self = .float(x)
        case .string(let s): self = .string(s)
        }
    }

    /// A dict with string keys.
    static func object(_ pairs: [(String, JinjaValue)]) -> JinjaValue { .dict(pairs.map { (.string($0.0), $0.1) }) }

    var isUndefined: Bool { if case .undefined = self { true } else { false } }

    /// Python's type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: "Undefined"
        case .none: "NoneType"
        case .bool: "bool"
        case .integer: "int"
        case .float: "float"
        case .string: "str"
        case .list(_, let t): t ? "tuple" : "list"
        case .dict: "dict"
        case .namespace: "Namespace"
        case .function: "function"
        }
    }

    /// Python truthiness.
    var truthy: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let b): b
        case .integer(let n): n != 0
        case .float(let x): x != 0
        case .string(let s): !s.isEmpty
        case .list(let a, _): !a.isEmpty
        case .dict(let d): !d.isEmpty
        case .namespace, .function: true
        }
    }

    /// A number as Double (bools count as 0/1, as in Python), nil for other types.
    var number: Double? {
        switch self {
        case .integer(let n): Double(n)
        case .float(let x): x
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }

    /// Python's `str(value)` (what `{{ value }}` prints); Undefined prints nothing.
    var str: String {
        switch self {
        case .undefined: ""
        case .string(let s): s
        default: repr
        }
    }

    /// Python's `repr(value)`.
    var repr: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .integer(let n): return String(n)
        case .float(let x): return pythonFloat(x)
        case .string(let s): return pythonStringRepr(s)
        case .list(let a, let isTuple):
            let inner = a.map(\.repr).joined(separator: ", ")
            return isTuple ? "(" + inner + (a.count == 1 ? ",)" : ")") : "[" + inner + "]"
        case .dict(let d): return "{" + d.map { "\($0.0.repr): \($0.1.repr)" }.joined(separator: ", ") + "}"
        case .namespace(let ns): return "<Namespace " + JinjaValue.object(ns.values).repr + ">"
        case .function(let f): return "<function \(f.name)>"
        }
    }

    /// Python `==` (numbers compare by value across int, float and bool).
    static func equal(_ a: JinjaValue, _ b: JinjaValue) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.string(x), .string(y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case let (.list(x, _), .list(y, _)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case let (.dict(x), .dict(y)):
            return x.count == y.count && x.allSatisfy { kv in y.contains { equal($0.0, kv.0) && equal($0.1, kv.1) } }
        case let (.namespace(x), .namespace(y)): return x === y
        default:
            if let x = a.number, let y = b.number { return x == y }
            return false
        }
    }

    /// Python `<` for numbers, strings and lists; other pairs are a type error.
    static func less(_ a: JinjaValue, _ b: JinjaValue) throws -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars)
        case let (.list(x, _), .list(y, _)):
            for (p, q) in zip(x, y) where !equal(p, q) { return try less(p, q) }
            return x.count < y.count
        default:
            if let x = a.number, let y = b.number { return x < y }
            throw ChatTemplateError.render("'<' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
        }
    }

    /// The items of an iterable (a dict iterates its keys, a string its characters, Undefined nothing).
    func iterate() throws -> [JinjaValue] {
        switch self {
        case .undefined: return []
        case .list(let a, _): return a
        case .dict(let d): return d.map(\.0)
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .namespace(let ns): return ns.values.map { .string($0.0) }
        default: throw ChatTemplateError.render("'\(typeName)' object is not iterable")
        }
    }

    /// Python `len()`.
    func length() throws -> Int {
        switch self {
        case .undefined: return 0
        case .string(let s): return s.unicodeScalars.count
        case .list(let a, _): return a.count
        case .dict(let d): return d.count
        default: throw ChatTemplateError.render("object of type '\(typeName)' has no len()")
        }
    }

    /// The value of key `key` in a dict.
    func lookup(_ key: JinjaValue) -> JinjaValue? {
        guard case .dict(let d) = self else { return nil }
        return d.first { JinjaValue.equal($0.0, key) }?.1
    }
}

/// Python's `repr(float)`: shortest round-trip digits, `.0` for integral values, exponent outside [1e-4, 1e16).
func pythonFloat(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded(), abs(x) < 1e16 { return String(format: "%.1f", x) }
    var s = "\(x)"  // Swift prints the shortest round-trip digits
    if let e = s.firstIndex(of: "e") {
        var mantissa = String(s[..<e]), exponent = String(s[s.index(after: e)...])
        if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
        let negative = exponent.hasPrefix("-")
        exponent = exponent.trimmingCharacters(in: CharacterSet(charactersIn: "+-"))
        if exponent.count < 2 { exponent = "0" + exponent }
        s = mantissa + "e" + (negative ? "-" : "+") + exponent
    }
    return s
}

/// Python's `repr(str)`: single quotes unless the text has a single quote and no double quote.
func pythonStringRepr(_ s: String) -> String {
    let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
    var out = String(quote)
    for u in s.unicodeScalars {
        switch u {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if Character(u) == quote {
                out += "\\" + String(quote)
            } else if u.value < 0x20 || u.value == 0x7F {
                out += String(format: "\\x%02x", u.value)
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + String(quote)
}

/// Python's `json.dumps(value, ensure_ascii=False, indent=indent, separators=…, sort_keys=…)` as transformers'
/// `tojson` filter calls it (https://docs.python.org/3/library/json.html#json.dumps).
func pythonJSON(
    _ v: JinjaValue, indent: Int?, itemSeparator: String, keySeparator: String, sortKeys: Bool,
    level: Int = 0
) throws -> String {
    func newline(_ depth: Int) -> String { indent.map { "\n" + String(repeating: " ", count: $0 * depth) } ?? "" }
    switch v {
    case .none: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .integer(let n): return String(n)
    case .float(let x):
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "Infinity" : "-Infinity" }
        return pythonFloat(x)
    case .string(let s): return jsonString(s)
    case .list(let a, _):
        if a.isEmpty { return "[]" }
        let items = try a.map {
            try pythonJSON(
                $0, indent: indent, itemSeparator: itemSeparator, keySeparator: keySeparator,
                sortKeys: sortKeys, level: level + 1)
        }
        return "[" + newline(level + 1) + items.joined(separator: itemSeparator + newline(level + 1)) + newline(level)
            + "]"
    case .dict(var d):
        if d.isEmpty { return "{}" }
        if sortKeys { d.sort { (try? JinjaValue.less($0.0, $1.0)) ?? false } }
        let items = try d.map { k, value -> String in
            let key: String
            switch k {
            case .string(let s): key = jsonString(s)
            case .integer, .float, .bool, .none:
                key = jsonString(try pythonJSON(k, indent: nil, itemSeparator: "", keySeparator: "", sortKeys: false))
            default: throw ChatTemplateError.render("keys must be str, int, float, bool or None, not \(k.typeName)")
            }
            return key + keySeparator
                + (try pythonJSON(
                    value, indent: indent, itemSeparator: itemSeparator,
                    keySeparator: keySeparator, sortKeys: sortKeys, level: level + 1))
        }
        return "{" + newline(level + 1) + items.joined(separator: itemSeparator + newline(level + 1)) + newline(level)
            + "}"
    case .namespace(let ns):
        return try pythonJSON(
            .object(ns.values), indent: indent, itemSeparator: itemSeparator, keySeparator: keySeparator,
            sortKeys: sortKeys, level: level)
    case .undefined, .function:
        throw ChatTemplateError.render("Object of type \(v.typeName) is not JSON serializable")
    }
}

private func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
