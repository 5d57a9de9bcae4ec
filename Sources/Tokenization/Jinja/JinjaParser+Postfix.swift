// What follows a primary in the Jinja subset's expressions: attributes, subscripts and slices, calls, filters and
// tests (jinja2's parser.py grammar, Jinja 3.1), each chain link one level of nesting (`link`).

extension JinjaParser {
    mutating func parsePostfix(_ base: JinjaExpr) throws -> JinjaExpr {
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

    mutating func parseFilterExpr(_ base: JinjaExpr) throws -> JinjaExpr {
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
