// Filters, tests, operators and Python methods of the Jinja subset, as jinja2 defines them ("List of Builtin
// Filters" / "List of Builtin Tests", Jinja 3.1) and Python's str/dict/list methods that chat templates call.
import Foundation

enum JinjaBuiltins {
    // MARK: Lookup

    /// `value.name`: a method of str/dict/list, else the dict key or namespace attribute (environment.getattr).
    static func attribute(_ value: JinjaValue, _ name: String) throws -> JinjaValue {
        switch value {
        case .undefined(let hint): throw ChatTemplateError.render(hint)
        case .string(let s): return stringMethod(s, name) ?? .undefined("'str object' has no attribute '\(name)'")
        case .dict:
            if let m = dictMethod(value, name) { return m }
            return value.lookup(.string(name)) ?? .undefined("'dict object' has no attribute '\(name)'")
        case .list(let a, _):
            if let m = listMethod(a, name) { return m }
            return .undefined("'list object' has no attribute '\(name)'")
        case .namespace(let ns): return ns[name] ?? .undefined("'Namespace' has no attribute '\(name)'")
        default: return .undefined("'\(value.typeName) object' has no attribute '\(name)'")
        }
    }

    /// `value[index]` (environment.getitem: the item, else the attribute of that name, else Undefined).
    static func item(_ value: JinjaValue, _ index: JinjaValue) throws -> JinjaValue {
        switch (value, index) {
        case (.undefined(let hint), _): throw ChatTemplateError.render(hint)
        case let (.list(a, _), _):
            guard let i = index.integerValue else { break }
            let j = i < 0 ? i + a.count : i
            return a.indices.contains(j) ? a[j] : .undefined("list index out of range")
        case let (.string(s), _):
            guard let i = index.integerValue else { break }
            let scalars = Array(s.unicodeScalars)
            let j = i < 0 ? i + scalars.count : i
            return scalars.indices.contains(j) ? .string(String(scalars[j])) : .undefined("string index out of range")
        case (.dict, _):
            if let v = value.lookup(index) { return v }
        default: break
        }
        if case .string(let name) = index { return try attribute(value, name) }
        return .undefined("'\(value.typeName) object' has no item \(index.repr)")
    }

    /// Python slicing `value[start:stop:step]` of a list or string.
    static func slice(_ value: JinjaValue, _ start: JinjaValue?, _ stop: JinjaValue?, _ step: JinjaValue?) throws -> JinjaValue {
        func int(_ v: JinjaValue?) throws -> Int? {
            guard let v, !(v.isUndefined), v.truthy || v.integerValue == 0 else { return nil }
            if case .none = v { return nil }
            guard let n = v.integerValue else { throw ChatTemplateError.render("slice indices must be integers") }
            return n
        }
        let stepValue = try int(step) ?? 1
        guard stepValue != 0 else { throw ChatTemplateError.render("slice step cannot be zero") }
        func indices(_ count: Int) throws -> [Int] {
            func clamp(_ v: Int?, _ forward: Int, _ backward: Int) -> Int {
                guard var v else { return stepValue > 0 ? forward : backward }
                if v < 0 { v += count }
                return stepValue > 0 ? min(max(v, 0), count) : min(max(v, -1), count - 1)
            }
            let lo = clamp(try int(start), 0, count - 1), hi = clamp(try int(stop), count, -1)
            return Array(stride(from: lo, to: hi, by: stepValue))
        }
        switch value {
        case .list(let a, let t): return .list(try indices(a.count).map { a[$0] }, isTuple: t)
        case .string(let s):
            let scalars = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            for i in try indices(scalars.count) { out.append(scalars[i]) }
            return .string(String(out))
        case .undefined(let hint): throw ChatTemplateError.render(hint)
        default: throw ChatTemplateError.render("'\(value.typeName)' object is not subscriptable")
        }
    }

    /// Python `needle in haystack`.
    static func contains(_ haystack: JinjaValue, _ needle: JinjaValue) throws -> Bool {
        switch haystack {
        case .string(let s):
            guard case .string(let n) = needle else { throw ChatTemplateError.render("'in <string>' requires string as left operand") }
            return n.isEmpty || s.unicodeScalars.firstRange(of: n.unicodeScalars) != nil
        case .list(let a, _): return a.contains { JinjaValue.equal($0, needle) }
        case .dict: return haystack.lookup(needle) != nil
        case .undefined: return false
        case .namespace(let ns): if case .string(let k) = needle { return ns[k] != nil } else { return false }
        default: throw ChatTemplateError.render("argument of type '\(haystack.typeName)' is not iterable")
        }
    }

    // MARK: Operators

    static func arithmetic(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws -> JinjaValue {
        if op == "~" { return .string(a.str + b.str) }
        if case .undefined(let hint) = a { throw ChatTemplateError.render(hint) }
        if case .undefined(let hint) = b { throw ChatTemplateError.render(hint) }
        switch (op, a, b) {
        case let ("+", .string(x), .string(y)): return .string(x + y)
        case let ("+", .list(x, t), .list(y, _)): return .list(x + y, isTuple: t)
        case let ("*", .string(s), .integer(n)), let ("*", .integer(n), .string(s)):
            return .string(String(repeating: s, count: max(n, 0)))
        case let ("*", .list(x, t), .integer(n)): return .list(Array(repeatElement(x, count: max(n, 0)).joined()), isTuple: t)
        case ("%", .string, _): throw ChatTemplateError.unsupported("printf-style '%' string formatting", line: 0)
        default: break
        }
        let bothIntegers = a.integerValue != nil && b.integerValue != nil && !(a.isFloat || b.isFloat)
        guard let x = a.number, let y = b.number else {
            throw ChatTemplateError.render("unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
        }
        if bothIntegers, let p = a.integerValue, let q = b.integerValue {
            switch op {
            case "+": return .integer(p + q)
            case "-": return .integer(p - q)
            case "*": return .integer(p * q)
            case "//", "%":
                guard q != 0 else { throw ChatTemplateError.render("integer division or modulo by zero") }
                let floorDiv = Int((Double(p) / Double(q)).rounded(.down))
                return .integer(op == "//" ? floorDiv : p - floorDiv * q)
            case "**" where q >= 0:
                var r = 1
                for _ in 0..<q { r *= p }
                return .integer(r)
            default: break
            }
        }
        switch op {
        case "+": return .float(x + y)
        case "-": return .float(x - y)
        case "*": return .float(x * y)
        case "/":
            guard y != 0 else { throw ChatTemplateError.render("division by zero") }
            return .float(x / y)
        case "//":
            guard y != 0 else { throw ChatTemplateError.render("float floor division by zero") }
            return .float((x / y).rounded(.down))
        case "%":
            guard y != 0 else { throw ChatTemplateError.render("float modulo") }
            return .float(x - (x / y).rounded(.down) * y)
        case "**": return .float(pow(x, y))
        default: throw ChatTemplateError.render("unknown operator \(op)")
        }
    }

    // MARK: Tests

    static func test(_ name: String, _ v: JinjaValue, _ args: [JinjaValue]) throws -> Bool {
        func arg() throws -> JinjaValue {
            guard let a = args.first else { throw ChatTemplateError.render("test '\(name)' needs an argument") }
            return a
        }
        switch name {
        case "defined": return !v.isUndefined
        case "undefined": return v.isUndefined
        case "none": if case .none = v { return true } else { return false }
        case "boolean": if case .bool = v { return true } else { return false }
        case "true": if case .bool(true) = v { return true } else { return false }
        case "false": if case .bool(false) = v { return true } else { return false }
        case "integer": if case .integer = v { return true } else { return false }
        case "float": return v.isFloat
        case "number": if case .integer = v { return true } else { return v.isFloat || { if case .bool = v { true } else { false } }() }
        case "string": if case .string = v { return true } else { return false }
        case "mapping": if case .dict = v { return true } else { return false }
        case "sequence":
            switch v { case .string, .list, .dict: return true; default: return false }
        case "iterable":
            switch v { case .string, .list, .dict, .undefined: return true; default: return false }
        case "callable": if case .function = v { return true } else { return false }
        case "odd": return (v.integerValue ?? 0) % 2 != 0
        case "even": return (v.integerValue ?? 1) % 2 == 0
        case "divisibleby":
            guard let n = try arg().integerValue, n != 0, let x = v.integerValue else { return false }
            return x % n == 0
        case "eq", "equalto", "==": return JinjaValue.equal(v, try arg())
        case "ne", "!=": return !JinjaValue.equal(v, try arg())
        case "lt", "lessthan", "<": return try JinjaValue.less(v, try arg())
        case "le", "<=": return try !JinjaValue.less(try arg(), v)
        case "gt", "greaterthan", ">": return try JinjaValue.less(try arg(), v)
        case "ge", ">=": return try !JinjaValue.less(v, try arg())
        case "in": return try contains(try arg(), v)
        case "sameas":
            let other = try arg()
            switch (v, other) {
            case (.none, .none): return true
            case let (.bool(x), .bool(y)): return x == y
            case let (.namespace(x), .namespace(y)): return x === y
            default: return false
            }
        case "lower": if case .string(let s) = v { return s == s.lowercased() } else { return false }
        case "upper": if case .string(let s) = v { return s == s.uppercased() } else { return false }
        default: throw ChatTemplateError.unsupported("the test '\(name)'", line: 0)
        }
    }

    // MARK: Filters

    static func filter(_ name: String, _ v: JinjaValue, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)],
                       _ interpreter: JinjaInterpreter) throws -> JinjaValue {
        func param(_ i: Int, _ key: String) -> JinjaValue? {
            i < args.count ? args[i] : kwargs.first { $0.0 == key }?.1
        }
        switch name {
        case "safe":
            return v
        case "string": return .string(v.str)
        case "trim":
            let chars = param(0, "chars").flatMap { if case .string(let c) = $0 { c } else { nil } }
            return .string(pythonStrip(v.str, chars: chars, leading: true, trailing: true))
        case "upper": return .string(v.str.uppercased())
        case "lower": return .string(v.str.lowercased())
        case "capitalize": return .string(pythonCapitalize(v.str))
        case "title": return .string(pythonTitle(v.str))
        case "length", "count": return .integer(try v.length())
        case "default", "d":
            let useIfFalsy = param(1, "boolean")?.truthy ?? false
            if v.isUndefined || (useIfFalsy && !v.truthy) { return param(0, "default_value") ?? .string("") }
            return v
        case "tojson":
            let indent = param(0, "indent").flatMap(\.integerValue)
            var itemSeparator = indent == nil ? ", " : ",", keySeparator = ": "
            if case .list(let seps, _)? = param(2, "separators"), seps.count == 2 {
                itemSeparator = seps[0].str
                keySeparator = seps[1].str
            }
            return .string(try pythonJSON(v, indent: indent, itemSeparator: itemSeparator, keySeparator: keySeparator,
                                          sortKeys: param(3, "sort_keys")?.truthy ?? false))
        case "first": return try v.iterate().first ?? .undefined("No first item, sequence was empty.")
        case "last": return try v.iterate().last ?? .undefined("No last item, sequence was empty.")
        case "list": return .list(try v.iterate())
        case "reverse":
            if case .string(let s) = v { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .list(try v.iterate().reversed())
        case "join":
            var items = try v.iterate()
            if let attr = param(1, "attribute") { items = try items.map { try attribute($0, attr.str) } }
            return .string(items.map(\.str).joined(separator: param(0, "d")?.str ?? ""))
        case "replace":
            guard let old = param(0, "old")?.str, let new = param(1, "new")?.str else {
                throw ChatTemplateError.render("replace needs old and new")
            }
            return .string(pythonReplace(v.str, old, new, count: param(2, "count")?.integerValue ?? -1))
        case "items":
            guard case .dict(let d) = v else {
                if v.isUndefined { return .list([]) }
                throw ChatTemplateError.render("items: expected a dict, got \(v.typeName)")
            }
            return .list(d.map { .list([$0.0, $0.1], isTuple: true) })
        case "int":
            switch v {
            case .integer: return v
            case .float(let x): return .integer(Int(x))
            case .bool(let b): return .integer(b ? 1 : 0)
            case .string(let s):
                let t = pythonStrip(s, chars: nil, leading: true, trailing: true)
                return .integer(Int(t) ?? Double(t).map { Int($0) } ?? (param(0, "default")?.integerValue ?? 0))
            default: return param(0, "default") ?? .integer(0)
            }
        case "float":
            if let x = v.number { return .float(x) }
            if case .string(let s) = v, let x = Double(pythonStrip(s, chars: nil, leading: true, trailing: true)) { return .float(x) }
            return param(0, "default") ?? .float(0)
        case "abs":
            switch v {
            case .integer(let n): return .integer(abs(n))
            case .float(let x): return .float(abs(x))
            default: throw ChatTemplateError.render("bad operand type for abs(): '\(v.typeName)'")
            }
        case "round":
            guard let x = v.number else { throw ChatTemplateError.render("round: not a number") }
            let precision = param(0, "precision")?.integerValue ?? 0
            let method = param(1, "method")?.str ?? "common"
            let scale = pow(10.0, Double(precision))
            let rule: FloatingPointRoundingRule = method == "ceil" ? .up : method == "floor" ? .down : .toNearestOrAwayFromZero
            return .float((x * scale).rounded(rule) / scale)
        case "sum":
            var total: JinjaValue = param(1, "start") ?? .integer(0)
            for item in try v.iterate() {
                let x = try param(0, "attribute").map { try attribute(item, $0.str) } ?? item
                total = try arithmetic("+", total, x)
            }
            return total
        case "min", "max":
            let items = try v.iterate()
            guard var best = items.first else { return .undefined("\(name) of an empty sequence") }
            for x in items.dropFirst() where try (name == "min" ? JinjaValue.less(x, best) : JinjaValue.less(best, x)) { best = x }
            return best
        case "unique":
            var out: [JinjaValue] = []
            for x in try v.iterate() where !out.contains(where: { JinjaValue.equal($0, x) }) { out.append(x) }
            return .list(out)
        case "sort":
            let reverse = param(0, "reverse")?.truthy ?? false
            let key = param(2, "attribute")
            var items = try v.iterate()
            var failure: Error?
            items.sort { a, b in
                do {
                    let ka = try key.map { try attribute(a, $0.str) } ?? a, kb = try key.map { try attribute(b, $0.str) } ?? b
                    return reverse ? try JinjaValue.less(kb, ka) : try JinjaValue.less(ka, kb)
                } catch { failure = error; return false }
            }
            if let failure { throw failure }
            return .list(items)
        case "map":
            let items = try v.iterate()
            if let attr = kwargs.first(where: { $0.0 == "attribute" })?.1 {
                let fallback = kwargs.first { $0.0 == "default" }?.1
                return .list(try items.map { item in
                    let got = try attribute(item, attr.str)
                    return got.isUndefined ? (fallback ?? got) : got
                })
            }
            guard let filterName = args.first?.str else { throw ChatTemplateError.render("map needs a filter name or attribute=") }
            return .list(try items.map { try filter(filterName, $0, Array(args.dropFirst()), [], interpreter) })
        case "select", "reject":
            let keep = name == "select"
            return .list(try v.iterate().filter { item in
                guard let testName = args.first?.str else { return item.truthy == keep }
                return try test(testName, item, Array(args.dropFirst())) == keep
            })
        case "selectattr", "rejectattr":
            let keep = name == "selectattr"
            guard let attr = args.first?.str else { throw ChatTemplateError.render("\(name) needs an attribute name") }
            return .list(try v.iterate().filter { item in
                let value = try attribute(item, attr)
                guard args.count > 1 else { return value.truthy == keep }
                return try test(args[1].str, value, Array(args.dropFirst(2))) == keep
            })
        case "indent":
            let width = param(0, "width")
            let pad = width.map { if case .string(let s) = $0 { s } else { String(repeating: " ", count: $0.integerValue ?? 4) } } ?? "    "
            let first = param(1, "first")?.truthy ?? false, blank = param(2, "blank")?.truthy ?? false
            var s = v.str
            var suffix = ""
            if s.hasSuffix("\n") { s.removeLast(); suffix = "\n" }
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var out: [String] = []
            for (i, line) in lines.enumerated() {
                if i == 0 && !first { out.append(line); continue }
                out.append(blank || !line.allSatisfy({ $0.unicodeScalars.allSatisfy(isPythonSpace) }) ? pad + line : line)
            }
            return .string(out.joined(separator: "\n") + suffix)
        case "wordcount":
            return .integer(v.str.split(whereSeparator: { $0.unicodeScalars.allSatisfy(isPythonSpace) }).count)
        case "attr":
            return try attribute(v, param(0, "name")?.str ?? "")
        case "dictsort":
            guard case .dict(let d) = v else { throw ChatTemplateError.render("dictsort: expected a dict") }
            let byValue = param(1, "by")?.str == "value"
            let reverse = param(2, "reverse")?.truthy ?? false
            let sorted = try d.sorted { a, b in
                let (x, y) = byValue ? (a.1, b.1) : (a.0, b.0)
                return reverse ? try JinjaValue.less(y, x) : try JinjaValue.less(x, y)
            }
            return .list(sorted.map { .list([$0.0, $0.1], isTuple: true) })
        default:
            throw ChatTemplateError.unsupported("the filter '\(name)'", line: 0)
        }
    }

    // MARK: Python methods

    private static func method(_ name: String, _ body: @escaping ([JinjaValue], [(String, JinjaValue)]) throws -> JinjaValue) -> JinjaValue {
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
            return method(name) { args, _ in .string(pythonStrip(s, chars: chars(args), leading: name != "rstrip", trailing: name != "lstrip")) }
        case "upper": return method(name) { _, _ in .string(s.uppercased()) }
        case "lower": return method(name) { _, _ in .string(s.lowercased()) }
        case "title": return method(name) { _, _ in .string(pythonTitle(s)) }
        case "capitalize": return method(name) { _, _ in .string(pythonCapitalize(s)) }
        case "startswith":
            return method(name) { args, _ in .bool(try prefixes(args).contains { s.unicodeScalars.starts(with: $0.unicodeScalars) }) }
        case "endswith":
            return method(name) { args, _ in
                .bool(try prefixes(args).contains { s.unicodeScalars.reversed().starts(with: $0.unicodeScalars.reversed()) })
            }
        case "split", "rsplit":
            return method(name) { args, kwargs in
                let sep = (args.first ?? kwargs.first { $0.0 == "sep" }?.1).flatMap { if case .string(let x) = $0 { x } else { nil } }
                let maxsplit = (args.count > 1 ? args[1] : kwargs.first { $0.0 == "maxsplit" }?.1)?.integerValue ?? -1
                return .list(try pythonSplit(s, sep, maxsplit: maxsplit, fromRight: name == "rsplit").map { .string($0) })
            }
        case "splitlines":
            return method(name) { _, _ in
                .list(s.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { .string(String($0)) }
                    .dropLast(s.last?.isNewline == true ? 1 : 0))
            }
        case "replace":
            return method(name) { args, _ in
                guard args.count >= 2 else { throw ChatTemplateError.render("replace() takes at least 2 arguments") }
                return .string(pythonReplace(s, args[0].str, args[1].str, count: args.count > 2 ? args[2].integerValue ?? -1 : -1))
            }
        case "find", "rfind", "index", "rindex", "count":
            return method(name) { args, _ in
                guard case .string(let needle)? = args.first else { throw ChatTemplateError.render("\(name)() needs a string") }
                let hay = Array(s.unicodeScalars), pin = Array(needle.unicodeScalars)
                var hits: [Int] = []
                if hay.count >= pin.count {
                    var i = 0
                    while i <= hay.count - pin.count {
                        if Array(hay[i..<(i + pin.count)]) == pin { hits.append(i); i += max(pin.count, 1) } else { i += 1 }
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
            return method(name) { args, _ in .string(try (args.first ?? .list([])).iterate().map(\.str).joined(separator: s)) }
        case "isdigit", "isalpha", "isspace", "isalnum", "isupper", "islower":
            return method(name) { _, _ in
                guard !s.isEmpty else { return .bool(false) }
                let u = s.unicodeScalars
                switch name {
                case "isdigit": return .bool(u.allSatisfy { $0.properties.numericType != nil })
                case "isalpha": return .bool(u.allSatisfy(\.properties.isAlphabetic))
                case "isalnum": return .bool(u.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
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
            return method(name) { _, _ in throw ChatTemplateError.render("dict.\(name) modifies a dict, which chat templates may not do") }
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
            return method(name) { _, _ in throw ChatTemplateError.render("list.\(name) modifies a list, which chat templates may not do") }
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
func pythonReplace(_ s: String, _ old: String, _ new: String, count: Int) -> String {
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
                return words.map(text).enumerated().map { $0.offset == words.count - 1 ? pythonStrip($0.element, chars: nil, leading: false, trailing: true) : $0.element }
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
    if maxsplit >= 0 && cuts.count > maxsplit { cuts = fromRight ? Array(cuts.suffix(maxsplit)) : Array(cuts.prefix(maxsplit)) }
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
