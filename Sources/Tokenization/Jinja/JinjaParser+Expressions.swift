// Expressions of the Jinja subset: precedence climbing from conditional expressions down to primaries, filters
// and tests (jinja2's parser.py grammar, Jinja 3.1).
import Foundation

extension JinjaParser {
    // MARK: Expressions

    /// One more link of a chain the parser builds in a loop (`a + b + c`, `x.y.z`, `s|trim|upper`): each nests the
    /// tree one level deeper, as brackets do (`enter`); the caller takes `links` off `depth` when the chain ends.
    mutating func link(_ links: inout Int) throws {
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

    mutating func parsePrimary() throws -> JinjaExpr {
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
}
