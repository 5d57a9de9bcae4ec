// Evaluator for parsed chat templates, following jinja2's runtime semantics (Jinja 3.1 "Template Designer
// Documentation"): scoping (a for-loop iteration is its own scope; `if` is not), the `loop` object, Undefined,
// attribute/item lookup (environment.getattr/getitem), and the globals transformers gives chat templates.
import Foundation

/// Control flow out of a node.
private enum Flow { case normal, breakLoop, continueLoop }

final class JinjaInterpreter {
    private var scopes: [[String: JinjaValue]]
    var output = ""
    /// Deepest macro nesting allowed (a recursive macro without a base case fails instead of overflowing the stack).
    private var macroDepth = 0
    /// Steps taken by this render (`JinjaLimits.steps`).
    var steps = 0
    /// Nodes and expressions being evaluated inside each other now (`JinjaLimits.frames`).
    var frames = 0

    init(globals: [String: JinjaValue]) {
        scopes = [globals]
    }

    func render(_ nodes: [JinjaNode]) throws -> String {
        scopes.append([:])
        _ = try execute(nodes)
        return output
    }

    // MARK: Scopes

    private func lookup(_ name: String) -> JinjaValue {
        for scope in scopes.reversed() { if let v = scope[name] { return v } }
        return .undefined("'\(name)' is undefined")
    }

    private func assign(_ name: String, _ value: JinjaValue) { scopes[scopes.count - 1][name] = value }

    // MARK: Statements

    private func execute(_ nodes: [JinjaNode]) throws -> Flow {
        for node in nodes {
            let flow = try execute(node)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func execute(_ node: JinjaNode) throws -> Flow {
        try step()
        try enterFrame()
        defer { frames -= 1 }
        switch node {
        case .text(let s):
            try write(s)
        case .output(let e):
            try write(try evaluate(e).str)
        case .sequence(let body):
            return try execute(body)
        case let .conditional(branches, otherwise):
            for (condition, body) in branches where try evaluate(condition).truthy { return try execute(body) }
            return try execute(otherwise)
        case let .loop(targets, iterable, filter, body, otherwise):
            return try runLoop(
                targets: targets, iterable: try evaluate(iterable), filter: filter, body: body, otherwise: otherwise)
        case let .set(target, e):
            let value = try evaluate(e)
            switch target {
            case .names(let names) where names.count == 1:
                assign(names[0], value)
            case .names(let names):
                let items = try value.iterate()
                guard items.count == names.count else {
                    throw ChatTemplateError.render("cannot unpack \(items.count) values into \(names.count) names")
                }
                for (n, v) in zip(names, items) { assign(n, v) }
            case let .attribute(object, attribute):
                guard case .namespace(let ns) = lookup(object) else {
                    throw ChatTemplateError.render("cannot assign attribute on non-namespace object '\(object)'")
                }
                let before = ns.values
                ns[attribute] = value
                do {  // a namespace that now holds itself, or too much, is put back as it was
                    try step(try JinjaValue.namespace(ns).measure())
                } catch {
                    ns.values = before
                    throw error
                }
            }
        case let .setBlock(name, body):
            let saved = output
            output = ""
            _ = try execute(body)
            let captured = output
            output = saved
            assign(name, .string(captured))
        case let .macro(name, parameters, body):
            assign(name, .function(makeMacro(name: name, parameters: parameters, body: body)))
        case .loopBreak:
            return .breakLoop
        case .loopContinue:
            return .continueLoop
        }
        return .normal
    }

    private func bind(_ targets: [String], _ item: JinjaValue) throws {
        if targets.count == 1 {
            assign(targets[0], item)
            return
        }
        let parts = try item.iterate()
        guard parts.count == targets.count else {
            throw ChatTemplateError.render("cannot unpack \(parts.count) values into \(targets.count) loop variables")
        }
        for (t, v) in zip(targets, parts) { assign(t, v) }
    }

    private func runLoop(
        targets: [String], iterable: JinjaValue, filter: JinjaExpr?, body: [JinjaNode],
        otherwise: [JinjaNode]
    ) throws -> Flow {
        var items = try iterable.iterate()
        if let filter {
            items = try items.filter { item in
                scopes.append([:])
                defer { scopes.removeLast() }
                try bind(targets, item)
                return try evaluate(filter).truthy
            }
        }
        if items.isEmpty { return try execute(otherwise) }
        let n = items.count
        for (index, item) in items.enumerated() {
            try step(16)  // an iteration's scope and `loop` object cost about as much as 16 expressions
            scopes.append([:])
            defer { scopes.removeLast() }
            let loop: [(String, JinjaValue)] = [
                ("index", .integer(index + 1)), ("index0", .integer(index)),
                ("revindex", .integer(n - index)), ("revindex0", .integer(n - index - 1)),
                ("first", .bool(index == 0)), ("last", .bool(index == n - 1)), ("length", .integer(n)),
                ("depth", .integer(1)), ("depth0", .integer(0)),
                ("previtem", index > 0 ? items[index - 1] : .undefined("there is no previous item")),
                ("nextitem", index + 1 < n ? items[index + 1] : .undefined("there is no next item")),
                (
                    "cycle",
                    .function(
                        JinjaFunction(name: "loop.cycle") { args, _ in
                            guard !args.isEmpty else { throw ChatTemplateError.render("no items for cycling given") }
                            return args[index % args.count]
                        })
                ),
            ]
            assign("loop", .object(loop))
            try bind(targets, item)
            if try execute(body) == .breakLoop { break }
        }
        return .normal
    }

    private func makeMacro(name: String, parameters: [(String, JinjaExpr?)], body: [JinjaNode]) -> JinjaFunction {
        JinjaFunction(name: name) { [unowned self] args, kwargs in
            guard args.count <= parameters.count else {
                throw ChatTemplateError.render("macro '\(name)' takes \(parameters.count) arguments, got \(args.count)")
            }
            guard self.macroDepth < 64 else { throw ChatTemplateError.render("macro '\(name)' nested too deeply") }
            var frame: [String: JinjaValue] = [:]
            for (i, (p, defaultValue)) in parameters.enumerated() {
                if i < args.count {
                    frame[p] = args[i]
                } else if let kw = kwargs.first(where: { $0.0 == p }) {
                    frame[p] = kw.1
                } else if let defaultValue {
                    frame[p] = try self.evaluate(defaultValue)
                } else {
                    frame[p] = .undefined("parameter '\(p)' was not provided")
                }
            }
            for (k, _) in kwargs where !parameters.contains(where: { $0.0 == k }) {
                throw ChatTemplateError.render("macro '\(name)' takes no keyword argument '\(k)'")
            }
            let savedOutput = self.output, savedScopes = self.scopes
            self.output = ""
            self.scopes = [savedScopes[0], savedScopes.count > 1 ? savedScopes[1] : [:], frame]
            self.macroDepth += 1
            defer {
                self.output = savedOutput
                self.scopes = savedScopes
                self.macroDepth -= 1
            }
            _ = try self.execute(body)
            return .string(self.output)
        }
    }

    // MARK: Expressions

    func evaluate(_ e: JinjaExpr) throws -> JinjaValue {
        try step()
        try enterFrame()
        defer { frames -= 1 }
        switch e {
        case .literal(let l):
            return JinjaValue(l)
        case .name(let n):
            return lookup(n)
        case .list(let items):
            return try admit(.list(try items.map(evaluate)))
        case .tuple(let items):
            return try admit(.list(try items.map(evaluate), isTuple: true))
        case .dict(let pairs):
            return try admit(.dict(try pairs.map { (try evaluate($0.0), try evaluate($0.1)) }))
        case let .attribute(base, name):
            return try JinjaBuiltins.attribute(try reading(try evaluate(base)), name)
        case let .item(base, index):
            // A part of an existing value (measured when it was made): counted as read, not measured again.
            return try JinjaBuiltins.item(try reading(try evaluate(base)), try evaluate(index))
        case let .slice(base, start, stop, step):
            return try JinjaBuiltins.slice(
                try reading(try evaluate(base)), try start.map(evaluate), try stop.map(evaluate), try step.map(evaluate)
            )
        case let .call(callee, args, kwargs):
            let f = try evaluate(callee)
            let argValues = try args.map { try reading(try evaluate($0)) }
            let kwValues = try kwargs.map { ($0.0, try evaluate($0.1)) }
            switch f {
            case .function(let fn): return try admit(try fn.call(argValues, kwValues))
            case .undefined(let hint): throw ChatTemplateError.render(hint)
            default: throw ChatTemplateError.render("'\(f.typeName)' object is not callable")
            }
        case let .filter(base, name, args, kwargs):
            let value = try reading(try evaluate(base))
            return try admit(
                try JinjaBuiltins.filter(
                    name, value, try args.map(evaluate), try kwargs.map { ($0.0, try evaluate($0.1)) }, self))
        case let .test(base, name, args, negated):
            let result = try JinjaBuiltins.test(name, try reading(try evaluate(base)), try args.map(evaluate))
            return .bool(result != negated)
        case let .unary(op, operand):
            let v = try evaluate(operand)
            switch op {
            case "not": return .bool(!v.truthy)
            case "-":
                switch v {
                case .integer(let n): return .integer(try 0.checked("-", n))
                case .float(let x): return .float(-x)
                case .bool(let b): return .integer(b ? -1 : 0)
                default: throw ChatTemplateError.render("bad operand type for unary -: '\(v.typeName)'")
                }
            default:
                guard v.number != nil else {
                    throw ChatTemplateError.render("bad operand type for unary +: '\(v.typeName)'")
                }
                return v
            }
        case let .binary(op, lhs, rhs):
            if op == "and" {
                let l = try evaluate(lhs)
                return l.truthy ? try evaluate(rhs) : l
            }
            if op == "or" {
                let l = try evaluate(lhs)
                return l.truthy ? l : try evaluate(rhs)
            }
            return try admit(try JinjaBuiltins.arithmetic(op, try evaluate(lhs), try evaluate(rhs)))
        case let .compare(first, rest):
            var left = try reading(try evaluate(first))
            for (op, rhs) in rest {
                let right = try reading(try evaluate(rhs))
                let ok: Bool
                switch op {
                case "==": ok = JinjaValue.equal(left, right)
                case "!=": ok = !JinjaValue.equal(left, right)
                case "<": ok = try JinjaValue.less(left, right)
                case ">": ok = try JinjaValue.less(right, left)
                case "<=": ok = try !JinjaValue.less(right, left)
                case ">=": ok = try !JinjaValue.less(left, right)
                case "in": ok = try JinjaBuiltins.contains(right, left)
                default: ok = try !JinjaBuiltins.contains(right, left)
                }
                if !ok { return .bool(false) }
                left = right
            }
            return .bool(true)
        case let .conditional(then, condition, otherwise):
            if try evaluate(condition).truthy { return try evaluate(then) }
            return try otherwise.map(evaluate)
                ?? .undefined("the inline if expression evaluated to false and no else section was defined")
        }
    }
}
