// The filters of the Jinja subset, as jinja2 defines them ("List of Builtin Filters", Jinja 3.1).
import Foundation

extension JinjaBuiltins {
    // MARK: Filters

    static func filter(
        _ name: String, _ v: JinjaValue, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)],
        _ interpreter: JinjaInterpreter
    ) throws -> JinjaValue {
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
            // A negative indent is Python's 0 (newlines only); the text is at most a line per value, each indented at
            // most `indent` · depth.
            let indent = param(0, "indent").flatMap(\.integerValue).map { max($0, 0) }
            if let indent, indent > 0 {
                let (values, depth) = try v.measureWithDepth()
                try JinjaLimits.checkString(
                    bytes: JinjaLimits.product(values, JinjaLimits.product(indent, depth)), "tojson's indent")
            }
            var itemSeparator = indent == nil ? ", " : ",", keySeparator = ": "
            if case .list(let seps, _)? = param(2, "separators"), seps.count == 2 {
                itemSeparator = seps[0].str
                keySeparator = seps[1].str
            }
            return .string(
                try pythonJSON(
                    v, indent: indent, itemSeparator: itemSeparator, keySeparator: keySeparator,
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
            return .string(try joined(items.map(\.str), separator: param(0, "d")?.str ?? ""))
        case "replace":
            guard let old = param(0, "old")?.str, let new = param(1, "new")?.str else {
                throw ChatTemplateError.render("replace needs old and new")
            }
            return .string(try pythonReplace(v.str, old, new, count: param(2, "count")?.integerValue ?? -1))
        case "items":
            guard case .dict(let d) = v else {
                if v.isUndefined { return .list([]) }
                throw ChatTemplateError.render("items: expected a dict, got \(v.typeName)")
            }
            return .list(d.map { .list([$0.0, $0.1], isTuple: true) })
        case "int":
            switch v {
            case .integer: return v
            case .float(let x): return .integer(try Int(python: x))
            case .bool(let b): return .integer(b ? 1 : 0)
            case .string(let s):
                let t = pythonStrip(s, chars: nil, leading: true, trailing: true)
                if let n = Int(t) { return .integer(n) }
                if let x = Double(t) { return .integer(try Int(python: x)) }
                return .integer(param(0, "default")?.integerValue ?? 0)
            default: return param(0, "default") ?? .integer(0)
            }
        case "float":
            if let x = v.number { return .float(x) }
            if case .string(let s) = v, let x = Double(pythonStrip(s, chars: nil, leading: true, trailing: true)) {
                return .float(x)
            }
            return param(0, "default") ?? .float(0)
        case "abs":
            switch v {
            case .integer(let n): return .integer(n < 0 ? try 0.checked("-", n) : n)
            case .float(let x): return .float(abs(x))
            default: throw ChatTemplateError.render("bad operand type for abs(): '\(v.typeName)'")
            }
        case "round":
            guard let x = v.number else { throw ChatTemplateError.render("round: not a number") }
            let precision = param(0, "precision")?.integerValue ?? 0
            let method = param(1, "method")?.str ?? "common"
            let scale = pow(10.0, Double(precision))
            let rule: FloatingPointRoundingRule =
                method == "ceil" ? .up : method == "floor" ? .down : .toNearestOrAwayFromZero
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
            for x in items.dropFirst() where try (name == "min" ? JinjaValue.less(x, best) : JinjaValue.less(best, x)) {
                best = x
            }
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
                    let ka = try key.map { try attribute(a, $0.str) } ?? a,
                        kb = try key.map { try attribute(b, $0.str) } ?? b
                    return reverse ? try JinjaValue.less(kb, ka) : try JinjaValue.less(ka, kb)
                } catch { failure = error; return false }
            }
            if let failure { throw failure }
            return .list(items)
        case "map":
            let items = try v.iterate()
            if let attr = kwargs.first(where: { $0.0 == "attribute" })?.1 {
                let fallback = kwargs.first { $0.0 == "default" }?.1
                return .list(
                    try items.map { item in
                        let got = try attribute(item, attr.str)
                        return got.isUndefined ? (fallback ?? got) : got
                    })
            }
            guard let filterName = args.first?.str else {
                throw ChatTemplateError.render("map needs a filter name or attribute=")
            }
            return .list(try items.map { try filter(filterName, $0, Array(args.dropFirst()), [], interpreter) })
        case "select", "reject":
            let keep = name == "select"
            return .list(
                try v.iterate().filter { item in
                    guard let testName = args.first?.str else { return item.truthy == keep }
                    return try test(testName, item, Array(args.dropFirst())) == keep
                })
        case "selectattr", "rejectattr":
            let keep = name == "selectattr"
            guard let attr = args.first?.str else { throw ChatTemplateError.render("\(name) needs an attribute name") }
            return .list(
                try v.iterate().filter { item in
                    let value = try attribute(item, attr)
                    guard args.count > 1 else { return value.truthy == keep }
                    return try test(args[1].str, value, Array(args.dropFirst(2))) == keep
                })
        case "indent":
            let pad: String
            switch param(0, "width") {
            case .string(let s)?: pad = s
            case let width?:
                let n = max(width.integerValue ?? 4, 0)
                try JinjaLimits.checkString(bytes: n, "indent's width")
                pad = String(repeating: " ", count: n)
            case nil: pad = "    "
            }
            let first = param(1, "first")?.truthy ?? false, blank = param(2, "blank")?.truthy ?? false
            var s = v.str
            var suffix = ""
            if s.hasSuffix("\n") { s.removeLast(); suffix = "\n" }
            let lines = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            try JinjaLimits.checkString(
                bytes: s.utf8.count + 1 + JinjaLimits.product(lines.count, pad.utf8.count), "indent")
            var out: [String] = []
            for (i, line) in lines.enumerated() {
                if i == 0 && !first { out.append(line); continue }
                out.append(
                    blank || !line.allSatisfy({ $0.unicodeScalars.allSatisfy(isPythonSpace) }) ? pad + line : line)
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
}
