// The interpreter's bookkeeping against JinjaLimits: steps, run-time frames, the rendered text's size and every value
// an expression makes.

extension JinjaInterpreter {
    /// One more node or expression evaluated inside the current one; the caller takes it off (`frames -= 1`).
    func enterFrame() throws {
        frames += 1
        guard frames <= JinjaLimits.frames else {
            throw ChatTemplateError.limit(
                "nodes and expressions evaluated more than \(JinjaLimits.frames) deep (macros calling themselves?)")
        }
    }

    /// Counts `n` steps of work; past `JinjaLimits.steps` the render stops.
    func step(_ n: Int = 1) throws {
        steps += n
        guard steps <= JinjaLimits.steps else {
            throw ChatTemplateError.limit("rendering took more than \(JinjaLimits.steps) steps (a loop without end?)")
        }
    }

    /// Appends to the output (the rendered prompt, or a macro's or block's text), at most `JinjaLimits.stringBytes`.
    func write(_ s: String) throws {
        try JinjaLimits.checkString(bytes: output.utf8.count + s.utf8.count, "the rendered text")
        try step(s.utf8.count >> 6)
        output += s
    }

    /// `value` after checking it against the bounds on values (nesting, count, string length) and counting the
    /// steps it took to make: every value an expression makes goes through here (a part taken out of an existing
    /// value, by `x[i]` or a slice, is only counted as read).
    func admit(_ value: JinjaValue) throws -> JinjaValue {
        switch value {
        case .string(let s):
            try JinjaLimits.checkString(bytes: s.utf8.count, "an expression")
            try step(s.utf8.count >> 6)
        case .list, .dict, .namespace: try step(try value.measure())
        default: break
        }
        return value
    }

    /// Counts the steps of an operation that reads all of `value` (a string method, a filter, `in`).
    func reading(_ value: JinjaValue) throws -> JinjaValue {
        switch value {
        case .string(let s): try step(s.utf8.count >> 6)
        case .list(let items, _): try step(items.count)
        case .dict(let pairs): try step(pairs.count)
        default: break
        }
        return value
    }
}
