// Lookup, operators and tests of the Jinja subset, as jinja2 defines them ("List of Builtin Tests", Jinja 3.1);
// the filters and the Python methods are in JinjaBuiltins+Filters.swift and JinjaBuiltins+Methods.swift.
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
    static func slice(_ value: JinjaValue, _ start: JinjaValue?, _ stop: JinjaValue?, _ step: JinjaValue?) throws
        -> JinjaValue
    {
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
            guard case .string(let n) = needle else {
                throw ChatTemplateError.render("'in <string>' requires string as left operand")
            }
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
        if op == "~" {
            let x = a.str, y = b.str
            try JinjaLimits.checkString(bytes: x.utf8.count + y.utf8.count, "'~'")
            return .string(x + y)
        }
        if case .undefined(let hint) = a { throw ChatTemplateError.render(hint) }
        if case .undefined(let hint) = b { throw ChatTemplateError.render(hint) }
        switch (op, a, b) {
        case let ("+", .string(x), .string(y)):
            try JinjaLimits.checkString(bytes: x.utf8.count + y.utf8.count, "'+'")
            return .string(x + y)
        case let ("+", .list(x, t), .list(y, _)):
            try JinjaLimits.checkCount(x.count + y.count, "'+'")
            return .list(x + y, isTuple: t)
        case let ("*", .string(s), .integer(n)), let ("*", .integer(n), .string(s)):
            try JinjaLimits.checkString(bytes: JinjaLimits.product(n, s.utf8.count), "'*'")
            return .string(String(repeating: s, count: max(n, 0)))
        case let ("*", .list(x, t), .integer(n)):
            try JinjaLimits.checkCount(JinjaLimits.product(n, x.count), "'*'")
            return .list(Array(repeatElement(x, count: max(n, 0)).joined()), isTuple: t)
        case ("%", .string, _): throw ChatTemplateError.unsupported("printf-style '%' string formatting", line: 0)
        default: break
        }
        let bothIntegers = a.integerValue != nil && b.integerValue != nil && !(a.isFloat || b.isFloat)
        guard let x = a.number, let y = b.number else {
            throw ChatTemplateError.render("unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
        }
        if bothIntegers, let p = a.integerValue, let q = b.integerValue {
            switch op {
            case "+", "-", "*": return .integer(try p.checked(op, q))
            case "//", "%":
                guard q != 0 else { throw ChatTemplateError.render("integer division or modulo by zero") }
                let (quotient, remainder) = try p.floorDivided(by: q)
                return .integer(op == "//" ? quotient : remainder)
            case "**" where q >= 0:
                return .integer(try p.power(q))
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
        case "number":
            if case .integer = v {
                return true
            } else {
                return v.isFloat || { if case .bool = v { true } else { false } }()
            }
        case "string": if case .string = v { return true } else { return false }
        case "mapping": if case .dict = v { return true } else { return false }
        case "sequence":
            switch v {
            case .string, .list, .dict: return true;
            default: return false
            }
        case "iterable":
            switch v {
            case .string, .list, .dict, .undefined: return true;
            default: return false
            }
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
}
