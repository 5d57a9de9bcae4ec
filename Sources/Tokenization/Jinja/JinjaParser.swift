// Parser for the Jinja subset used by chat templates: statements and expressions with jinja2's precedence
// (jinja2/parser.py, Jinja 3.1: condexpr < or < and < not < compare < +,- < ~ < *,/,//,% < ** < unary < postfix,
// filters and tests).

/// A literal constant in a template.
enum JinjaLiteral: Sendable {
    case none, bool(Bool), integer(Int), float(Double), string(String)
}

indirect enum JinjaExpr: Sendable {
    case literal(JinjaLiteral)
    case name(String)
    case list([JinjaExpr])
    case tuple([JinjaExpr])
    case dict([(JinjaExpr, JinjaExpr)])
    case attribute(JinjaExpr, String)
    case item(JinjaExpr, JinjaExpr)
    case slice(JinjaExpr, JinjaExpr?, JinjaExpr?, JinjaExpr?)
    case call(JinjaExpr, [JinjaExpr], [(String, JinjaExpr)])
    case filter(JinjaExpr, String, [JinjaExpr], [(String, JinjaExpr)])
    case test(JinjaExpr, String, [JinjaExpr], negated: Bool)
    case unary(String, JinjaExpr)
    case binary(String, JinjaExpr, JinjaExpr)
    case compare(JinjaExpr, [(String, JinjaExpr)])
    case conditional(then: JinjaExpr, condition: JinjaExpr, otherwise: JinjaExpr?)
}

enum JinjaSetTarget: Sendable {
    case names([String])
    case attribute(String, String)
}

indirect enum JinjaNode: Sendable {
    case text(String)
    case output(JinjaExpr)
    case conditional([(JinjaExpr, [JinjaNode])], otherwise: [JinjaNode])
    case loop(targets: [String], iterable: JinjaExpr, filter: JinjaExpr?, body: [JinjaNode], otherwise: [JinjaNode])
    case set(JinjaSetTarget, JinjaExpr)
    case setBlock(String, [JinjaNode])
    case macro(name: String, parameters: [(String, JinjaExpr?)], body: [JinjaNode])
    case loopBreak, loopContinue
    case sequence([JinjaNode])
}

struct JinjaParser {
    private let tokens: [LexedToken]
    private var i = 0

    static func parse(_ source: String) throws -> [JinjaNode] {
        var parser = JinjaParser(tokens: try JinjaLexer.tokenize(source))
        let (nodes, end) = try parser.parseBody(until: [])
        if let end { throw ChatTemplateError.syntax("unexpected '\(end)'", line: parser.line) }
        return nodes
    }

    private init(tokens: [LexedToken]) { self.tokens = tokens }

    private var current: JinjaToken? { i < tokens.count ? tokens[i].token : nil }
    private var line: Int { i < tokens.count ? tokens[i].line : (tokens.last?.line ?? 1) }

    private func syntax(_ message: String) -> ChatTemplateError { .syntax(message, line: line) }

    private mutating func next() -> JinjaToken? {
        defer { i += 1 }
        return current
    }

    private mutating func skip(_ token: JinjaToken) -> Bool {
        if current == token { i += 1; return true }
        return false
    }

    private mutating func expect(_ token: JinjaToken, _ what: String) throws {
        guard skip(token) else { throw syntax("expected \(what), found \(describe(current))") }
    }

    private func describe(_ t: JinjaToken?) -> String {
        switch t {
        case nil: "end of template"
        case .text: "text"
        case .outputOpen: "'{{'"
        case .statementOpen: "'{%'"
        case .tagClose: "end of tag"
        case .name(let n): "'\(n)'"
        case .string(let s): "string '\(s)'"
        case .integer(let n): "\(n)"
        case .float(let x): "\(x)"
        case .op(let o): "'\(o)'"
        }
    }

    private mutating func expectName() throws -> String {
        guard case .name(let n)? = current else { throw syntax("expected a name, found \(describe(current))") }
        i += 1
        return n
    }

    private func isName(_ n: String) -> Bool { current == .name(n) }

    // MARK: Statements

    /// Nodes up to a statement whose keyword is in `enders` (consumed: `{%` and the keyword); returns that keyword.
    private mutating func parseBody(until enders: Set<String>) throws -> ([JinjaNode], String?) {
        var nodes: [JinjaNode] = []
        while let t = current {
            switch t {
            case .text(let s):
                i += 1
                nodes.append(.text(s))
            case .outputOpen:
                i += 1
                let e = try parseExpression()
                try expect(.tagClose, "'}}'")
                nodes.append(.output(e))
            case .statementOpen:
                i += 1
                let keyword = try expectName()
                if enders.contains(keyword) { return (nodes, keyword) }
                nodes.append(try parseStatement(keyword))
            default:
                throw syntax("unexpected \(describe(t))")
            }
        }
        if !enders.isEmpty { throw syntax("missing \(enders.sorted().joined(separator: " or "))") }
        return (nodes, nil)
    }

    private mutating func parseStatement(_ keyword: String) throws -> JinjaNode {
        switch keyword {
        case "if":
            var branches: [(JinjaExpr, [JinjaNode])] = []
            var condition = try parseExpression()
            try expect(.tagClose, "'%}'")
            while true {
                let (body, end) = try parseBody(until: ["elif", "else", "endif"])
                branches.append((condition, body))
                switch end {
                case "elif":
                    condition = try parseExpression()
                    try expect(.tagClose, "'%}'")
                case "else":
                    try expect(.tagClose, "'%}'")
                    let (otherwise, _) = try parseBody(until: ["endif"])
                    try expect(.tagClose, "'%}'")
                    return .conditional(branches, otherwise: otherwise)
                default:
                    try expect(.tagClose, "'%}'")
                    return .conditional(branches, otherwise: [])
                }
            }
        case "for":
            var targets = [try expectName()]
            while skip(.op(",")) { targets.append(try expectName()) }
            guard skip(.name("in")) else { throw syntax("expected 'in' in for loop") }
            let iterable = try parseOr(noCondExpr: true)
            var filter: JinjaExpr?
            if skip(.name("if")) { filter = try parseExpression() }
            if isName("recursive") { throw ChatTemplateError.unsupported("recursive for loops", line: line) }
            try expect(.tagClose, "'%}'")
            let (body, end) = try parseBody(until: ["else", "endfor"])
            try expect(.tagClose, "'%}'")
            var otherwise: [JinjaNode] = []
            if end == "else" {
                (otherwise, _) = try parseBody(until: ["endfor"])
                try expect(.tagClose, "'%}'")
            }
            return .loop(targets: targets, iterable: iterable, filter: filter, body: body, otherwise: otherwise)
        case "set":
            let first = try expectName()
            var target = JinjaSetTarget.names([first])
            if skip(.op(".")) {
                target = .attribute(first, try expectName())
            } else if current == .op(",") {
                var names = [first]
                while skip(.op(",")) { names.append(try expectName()) }
                target = .names(names)
            }
            if skip(.tagClose) {
                guard case .names(let names) = target, names.count == 1 else { throw syntax("block set needs one name") }
                let (body, _) = try parseBody(until: ["endset"])
                try expect(.tagClose, "'%}'")
                return .setBlock(first, body)
            }
            try expect(.op("="), "'='")
            let value = try parseTupleOrExpression()
            try expect(.tagClose, "'%}'")
            return .set(target, value)
        case "macro":
            let name = try expectName()
            try expect(.op("("), "'('")
            var parameters: [(String, JinjaExpr?)] = []
            while !skip(.op(")")) {
                if !parameters.isEmpty { try expect(.op(","), "','") }
                if skip(.op(")")) { break }
                let p = try expectName()
                parameters.append((p, skip(.op("=")) ? try parseExpression() : nil))
            }
            try expect(.tagClose, "'%}'")
            let (body, _) = try parseBody(until: ["endmacro"])
            try expect(.tagClose, "'%}'")
            return .macro(name: name, parameters: parameters, body: body)
        case "break", "continue":
            try expect(.tagClose, "'%}'")
            return keyword == "break" ? .loopBreak : .loopContinue
        case "generation":
            // transformers' AIChatTemplateExtension: marks the assistant's tokens; renders its body unchanged.
            try expect(.tagClose, "'%}'")
            let (body, _) = try parseBody(until: ["endgeneration"])
            try expect(.tagClose, "'%}'")
            return .sequence(body)
        case "do", "call", "filter", "include", "import", "from", "extends", "block", "with", "autoescape", "trans":
            throw ChatTemplateError.unsupported("the '{% \(keyword) %}' statement", line: line)
        case "elif", "else", "endif", "endfor", "endset", "endmacro", "endgeneration", "endraw":
            throw syntax("unexpected '\(keyword)'")
        default:
            throw syntax("unknown statement '\(keyword)'")
        }
    }

    // MARK: Expressions

    /// `a, b` without brackets is a tuple (as on the right of `set`).
    private mutating func parseTupleOrExpression() throws -> JinjaExpr {
        let first = try parseExpression()
        guard current == .op(",") else { return first }
        var items = [first]
        while skip(.op(",")) {
            if current == .tagClose { break }
            items.append(try parseExpression())
        }
        return .tuple(items)
    }

    private mutating func parseExpression() throws -> JinjaExpr {
        var e = try parseOr()
        while skip(.name("if")) {
            let condition = try parseOr()
            let otherwise = skip(.name("else")) ? try parseExpression() : nil
            e = .conditional(then: e, condition: condition, otherwise: otherwise)
        }
        return e
    }

    private mutating func parseOr(noCondExpr: Bool = false) throws -> JinjaExpr {
        var e = try parseAnd()
        while skip(.name("or")) { e = .binary("or", e, try parseAnd()) }
        return e
    }

    private mutating func parseAnd() throws -> JinjaExpr {
        var e = try parseNot()
        while skip(.name("and")) { e = .binary("and", e, try parseNot()) }
        return e
    }

    private mutating func parseNot() throws -> JinjaExpr {
        if skip(.name("not")) { return .unary("not", try parseNot()) }
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
        var e = try parseConcat()
        while case .op(let o)? = current, o == "+" || o == "-" {
            i += 1
            e = .binary(o, e, try parseConcat())
        }
        return e
    }

    private mutating func parseConcat() throws -> JinjaExpr {
        var e = try parseMath2()
        while skip(.op("~")) { e = .binary("~", e, try parseMath2()) }
        return e
    }

    private mutating func parseMath2() throws -> JinjaExpr {
        var e = try parsePow()
        while case .op(let o)? = current, ["*", "/", "//", "%"].contains(o) {
            i += 1
            e = .binary(o, e, try parsePow())
        }
        return e
    }

    private mutating func parsePow() throws -> JinjaExpr {
        var e = try parseUnary()
        while skip(.op("**")) { e = .binary("**", e, try parseUnary()) }
        return e
    }

    private mutating func parseUnary(withFilter: Bool = true) throws -> JinjaExpr {
        var e: JinjaExpr
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
            while case .string(let more)? = current { s += more; i += 1 } // adjacent literals concatenate
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
        var e = base
        while true {
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
        var e = base
        while true {
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
                    guard kw.isEmpty else { throw ChatTemplateError.unsupported("keyword arguments to tests", line: line) }
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
