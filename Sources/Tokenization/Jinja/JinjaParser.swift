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
    let tokens: [LexedToken]
    var i = 0
    /// How deep the block or expression being parsed is nested (`enter`).
    var depth = 0

    static func parse(_ source: String) throws -> [JinjaNode] {
        var parser = JinjaParser(tokens: try JinjaLexer.tokenize(source))
        let (nodes, end) = try parser.parseBody(until: [])
        if let end { throw ChatTemplateError.syntax("unexpected '\(end)'", line: parser.line) }
        return nodes
    }

    private init(tokens: [LexedToken]) { self.tokens = tokens }

    var current: JinjaToken? { i < tokens.count ? tokens[i].token : nil }
    var line: Int { i < tokens.count ? tokens[i].line : (tokens.last?.line ?? 1) }

    func syntax(_ message: String) -> ChatTemplateError { .syntax(message, line: line) }

    /// One level deeper: a block, an expression in brackets, or an operator applied to a nested operand. The parsed
    /// tree is walked recursively (rendering, and freeing it), so its depth is bounded by `JinjaLimits.nesting`.
    /// Callers undo it with `depth -= 1` when the level is parsed.
    mutating func enter() throws {
        depth += 1
        guard depth <= JinjaLimits.nesting else {
            throw syntax("blocks or expressions nested more than \(JinjaLimits.nesting) deep")
        }
    }

    mutating func next() -> JinjaToken? {
        defer { i += 1 }
        return current
    }

    mutating func skip(_ token: JinjaToken) -> Bool {
        if current == token { i += 1; return true }
        return false
    }

    mutating func expect(_ token: JinjaToken, _ what: String) throws {
        guard skip(token) else { throw syntax("expected \(what), found \(describe(current))") }
    }

    func describe(_ t: JinjaToken?) -> String {
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

    mutating func expectName() throws -> String {
        guard case .name(let n)? = current else { throw syntax("expected a name, found \(describe(current))") }
        i += 1
        return n
    }

    func isName(_ n: String) -> Bool { current == .name(n) }

    // MARK: Statements

    /// Nodes up to a statement whose keyword is in `enders` (consumed: `{%` and the keyword); returns that keyword.
    private mutating func parseBody(until enders: Set<String>) throws -> ([JinjaNode], String?) {
        try enter()
        defer { depth -= 1 }
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
                guard case .names(let names) = target, names.count == 1 else {
                    throw syntax("block set needs one name")
                }
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
}
