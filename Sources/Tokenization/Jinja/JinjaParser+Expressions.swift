// Expressions of the Jinja subset: precedence climbing from conditional expressions down to primaries, filters
// and tests (jinja2's parser.py grammar, Jinja 3.1).
import Foundation

extension JinjaParser {
    // MARK: Expressions

    /// One more link of a chain the parser builds in a loop (`a + b + c`, `x.y.z`, `s|trim|upper`): each nests the
    /// tree one level deeper, as brackets do (`enter`); the caller takes `links` off `depth` when the chain ends.
    private mutating func link(_ links: inout Int) throws {
        try enter()
        links += 1
    }

    /// `a, b` without brackets is a tuple (as on the right of `set`).
    mutating func parseTupleOrExpression() throws -> JinjaExpr {
        let first = try parseExpression()
        guard current == .op(",") else { return first }
        var items = [first]
        while skip(.op(",")) {
            if current == .tagClose { break }
            items.append(try parseExpression())
        }
        return .tuple(items)
    }

    mutating func parseExpression() throws -> JinjaExpr {
        try enter()
        var links = 1
        defer { depth -= links }
        var e = try parseOr()
        while skip(.name("if")) {
            try link(&links)
            let condition = try parseOr()
            let otherwise = skip(.name("else")) ? try parseExpression() : nil
            e = .conditional(then: e, condition: condition, otherwise: otherwise)
        }
        return e
    }

    mutating func parseOr(noCondExpr: Bool = false) throws -> JinjaExpr {
        var links = 0
        defer { depth -= links }
        var e = try parseAnd()
        while skip(.name("or")) {
            try link(&links)
            e = .binary("or", e, try parseAnd())
        }
        return e
    }

    private mutating func parseAnd() throws -> JinjaExpr {
        var links = 0
        defer { depth -= links }
        var e = try parseNot()
        while skip(.name("and")) {
            try link(&links)
            e = .binary("and", e, try parseNot())
        }
        return e
    }

    private mutating func parseNot() throws -> JinjaExpr {
        if skip(.name("not")) {
            try enter()
            defer { depth -= 1 }
            return .unary("not", try parseNot())
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> JinjaExpr {
        let left = try parseMath1()
        var ops: [(String, JinjaExpr)] = []
        while true {
            if case .op(let o)? = current, ["==", "!=", "<", ">", "<=", ">="].contains(o) {
                i += 1
                ops.append((o, try parseMath1()))
            } else if skip(.name("in")) {
                ops.append(("in", try parseMath1()))
            } else if isName("not"), i + 1 < tokens.count, tokens[i + 1].token == .name("in") {
                i += 2
                ops.append(("notin", try parseMath1()))
            } else {
                break
            }
        }
        return ops.isEmpty ? left : .compare(left, ops)
    }

    private mutating func parseMath1() throws -> JinjaExpr {
        var links = 0
        defer { depth -= links }
        var e = try parseConcat()
        while case .op(let o)? = current, o == "+" || o == "-" {
            i += 1
            try link(&links)
            e = .binary(o, e, try parseConcat())
        }
        return e
    }

    private mutating func parseConcat() throws -> JinjaExpr {
        var links = 0
        defer { depth -= links }
        var e = try parseMath2()
        while skip(.op("~")) {
            try link(&links)
            e = .binary("~", e, try parseMath2())
        }
        return e
    }

    private mutating func parseMath2() throws -> JinjaExpr {
        var links = 0
        defer { depth -= links }
        var e = try parsePow()
        while case .op(let o)? = current, ["*", "/", "//", "%"].contains(o) {
            i += 1
            try link(&links)
            e = .binary(o, e, try parsePow())
        }
        return e
    }

    private mutating func parsePow() throws -> JinjaExpr {
        var links = 0
        defer { depth -= links }
        var e = try parseUnary()
        while skip(.op("**")) {
            try link(&links)
            e = .binary("**", e, try parseUnary())
        }
        return e
    }

    private mutating func parseUnary(withFilter: Bool = true) throws -> JinjaExpr {
        var e: JinjaExpr
        try enter()
        defer { depth -= 1 }
        if skip(.op("-")) {
            e = .unary("-", try parseUnary(withFilter: false))
        } else if skip(.op("+")) {
            e = .unary("+", try parseUnary(withFilter: false))
        } else {
            e = try parsePostfix(try parsePrimary())
        }
        return withFilter ? try parseFilterExpr(e) : e
    }

    private mutating func parsePrimary() throws -> JinjaExpr {
        guard let t = next() else { throw syntax("expected an expression, found end of template") }
        switch t {
        case .name(let n):
            switch n {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(n)
            }
        case .string(var s):
            while case .string(let more)? = current { s += more; i += 1 }  // adjacent literals concatenate
            return .literal(.string(s))
        case .integer(let n): return .literal(.integer(n))
        case .float(let x): return .literal(.float(x))
        case .op("("):
            if skip(.op(")")) { return .tuple([]) }
            let first = try parseExpression()
            if skip(.op(")")) { return first }
            var items = [first]
            while skip(.op(",")) {
                if current == .op(")") { break }
                items.append(try parseExpression())
            }
            try expect(.op(")"), "')'")
            return .tuple(items)
        case .op("["):
            var items: [JinjaExpr] = []
            while !skip(.op("]")) {
                if !items.isEmpty { try expect(.op(","), "','") }
                if skip(.op("]")) { break }
                items.append(try parseExpression())
            }
            return .list(items)
        case .op("{"):
            var items: [(JinjaExpr, JinjaExpr)] = []
            while !skip(.op("}")) {
                if !items.isEmpty { try expect(.op(","), "','") }
                if skip(.op("}")) { break }
                let key = try parseExpression()
                try expect(.op(":"), "':'")
                items.append((key, try parseExpression()))
            }
            return .dict(items)
        default:
            i -= 1
            throw syntax("unexpected \(describe(t))")
        }
    }

    private mutating func parsePostfix(_ base: JinjaExpr) throws -> JinjaExpr {
        var links = 0
        defer { depth -= links }
        var e = base
        while true {
            if current == .op(".") || current == .op("[") || current == .op("(") { try link(&links) }
            if skip(.op(".")) {
                if case .integer(let n)? = current {
                    i += 1
                    e = .item(e, .literal(.integer(n)))
                } else {
                    e = .attribute(e, try expectName())
                }
            } else if skip(.op("[")) {
                e = try parseSubscript(e)
            } else if current == .op("(") {
                let (args, kwargs) = try parseCallArguments()
                e = .call(e, args, kwargs)
            } else {
                return e
            }
        }
    }

    private mutating func parseSubscript(_ base: JinjaExpr) throws -> JinjaExpr {
        var parts: [JinjaExpr?] = [nil]
        var isSlice = false
        while !skip(.op("]")) {
            if skip(.op(":")) {
                isSlice = true
                parts.append(nil)
                guard parts.count <= 3 else { throw syntax("too many ':' in slice") }
            } else {
                guard parts[parts.count - 1] == nil else { throw syntax("expected ']' or ':' in subscript") }
                parts[parts.count - 1] = try parseExpression()
            }
        }
        if !isSlice {
            guard let index = parts[0] else { throw syntax("empty subscript") }
            return .item(base, index)
        }
        while parts.count < 3 { parts.append(nil) }
        return .slice(base, parts[0], parts[1], parts[2])
    }

    private mutating func parseCallArguments() throws -> ([JinjaExpr], [(String, JinjaExpr)]) {
        try expect(.op("("), "'('")
        var args: [JinjaExpr] = [], kwargs: [(String, JinjaExpr)] = []
        while !skip(.op(")")) {
            if !(args.isEmpty && kwargs.isEmpty) { try expect(.op(","), "','") }
            if skip(.op(")")) { break }
            if current == .op("*") || current == .op("**") {
                throw ChatTemplateError.unsupported("*args / **kwargs in calls", line: line)
            }
            if case .name(let n)? = current, i + 1 < tokens.count, tokens[i + 1].token == .op("=") {
                i += 2
                kwargs.append((n, try parseExpression()))
            } else {
                guard kwargs.isEmpty else { throw syntax("positional argument after keyword argument") }
                args.append(try parseExpression())
            }
        }
        return (args, kwargs)
    }

    private mutating func parseFilterExpr(_ base: JinjaExpr) throws -> JinjaExpr {
        var links = 0
        defer { depth -= links }
        var e = base
        while true {
            if current == .op("|") || isName("is") { try link(&links) }
            if skip(.op("|")) {
                var name = try expectName()
                while skip(.op(".")) { name += "." + (try expectName()) }
                var args: [JinjaExpr] = [], kwargs: [(String, JinjaExpr)] = []
                if current == .op("(") { (args, kwargs) = try parseCallArguments() }
                e = .filter(e, name, args, kwargs)
            } else if skip(.name("is")) {
                let negated = skip(.name("not"))
                var name = try expectName()
                while skip(.op(".")) { name += "." + (try expectName()) }
                var args: [JinjaExpr] = []
                if current == .op("(") {
                    let (a, kw) = try parseCallArguments()
                    guard kw.isEmpty else {
                        throw ChatTemplateError.unsupported("keyword arguments to tests", line: line)
                    }
                    args = a
                } else if let t = current, startsTestArgument(t) {
                    args = [try parsePostfix(try parsePrimary())]
                }
                e = .test(e, name, args, negated: negated)
            } else {
                return e
            }
        }
    }

    /// jinja2 reads one bare argument after a test name when it starts like a primary (not `else`, `or`, `and`).
    private func startsTestArgument(_ t: JinjaToken) -> Bool {
        switch t {
        case .name(let n): return !["else", "or", "and", "if", "is", "in", "not"].contains(n)
        case .string, .integer, .float: return true
        case .op(let o): return o == "[" || o == "{"
        default: return false
        }
    }
}
