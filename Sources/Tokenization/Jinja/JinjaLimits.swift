// Bounds on what a chat template may make the interpreter do. A template comes from the GGUF file and is a program:
// without bounds a corrupt or hostile one could overflow the stack (blocks or operators nested thousands deep, a macro
// calling itself), exhaust memory (`'a' * 10**9`, `range(10**9)|list`, a string doubled in a loop) or run for hours.
// Every real template (the fixtures: Llama 2/3, Mistral, Qwen 2/3, Gemma, Phi, DeepSeek, ChatML) stays far inside
// them; past one, rendering stops with `ChatTemplateError.limit`.

/// The interpreter's bounds (see the file comment).
enum JinjaLimits {
    /// Blocks and expressions nested inside each other (the parser's recursion, and so the evaluator's).
    static let nesting = 100
    /// Nodes and expressions being evaluated inside each other at run time, macro calls included: the parse-time
    /// bound holds within one template body, and a macro that calls itself stacks its body again (64 calls deep of a
    /// body nested 90 deep overflowed an 8 MB stack). 320 take under 1 MB (JinjaStackTests; about 2–3 KB a frame).
    static let frames = 320
    /// Lists, dicts and namespaces inside each other.
    static let valueDepth = 100
    /// Values inside one value (a shared one counted each time it is reached), and the length of a list.
    static let values = 1 << 20
    /// UTF-8 bytes of one string, the rendered prompt included (4 MiB: about a million tokens).
    static let stringBytes = 1 << 22
    /// Steps of one render: each node run and expression evaluated, 16 per loop iteration, each value counted by
    /// `measure`, a step per 64 bytes of string made, written or read (about 33 M: a few seconds at most; the real
    /// templates take 33–236 thousand for 400 messages, JinjaLimitsTests).
    static let steps = 1 << 25

    /// Throws unless a string of `bytes` UTF-8 bytes is allowed; `what` names the operation.
    static func checkString(bytes: Int, _ what: String) throws {
        guard bytes <= stringBytes else {
            throw ChatTemplateError.limit("\(what) would make a string of \(bytes) bytes (at most \(stringBytes))")
        }
    }

    /// Throws unless a list of `count` items is allowed.
    static func checkCount(_ count: Int, _ what: String) throws {
        guard count <= values else {
            throw ChatTemplateError.limit("\(what) would make a list of \(count) items (at most \(values))")
        }
    }

    /// `count` · `each` (the size of a repetition), or Int.max when it overflows.
    static func product(_ count: Int, _ each: Int) -> Int {
        let (p, overflow) = max(count, 0).multipliedReportingOverflow(by: each)
        return overflow ? Int.max : p
    }
}

extension JinjaValue {
    /// The values inside this one, itself included (a shared value counted each time it is reached), walked without
    /// recursion; throws once the count passes `JinjaLimits.values` or the nesting `JinjaLimits.valueDepth` (a
    /// namespace that holds itself never ends). A string counts one value and a step per 64 bytes.
    func measure() throws -> Int { try measureWithDepth().values }

    /// `measure()` and the deepest nesting met (1 for a value with nothing inside).
    func measureWithDepth() throws -> (values: Int, depth: Int) {
        var pending: [(JinjaValue, Int)] = [(self, 1)], count = 0, deepest = 0
        while let (value, depth) = pending.popLast() {
            count += 1
            deepest = max(deepest, depth)
            guard count <= JinjaLimits.values else {
                throw ChatTemplateError.limit("a value holds more than \(JinjaLimits.values) values")
            }
            guard depth <= JinjaLimits.valueDepth else {
                throw ChatTemplateError.limit(
                    "values nested more than \(JinjaLimits.valueDepth) deep (or a namespace that holds itself)")
            }
            switch value {
            case .string(let s): count += s.utf8.count >> 6
            case .list(let items, _): pending += items.map { ($0, depth + 1) }
            case .dict(let pairs): for (k, v) in pairs { pending += [(k, depth + 1), (v, depth + 1)] }
            case .namespace(let ns): pending += ns.values.map { ($0.1, depth + 1) }
            default: break
            }
        }
        return (count, deepest)
    }
}

extension Int {
    /// `self op other` for + - *, or a render error where Python's unbounded integers would go past 64 bits.
    func checked(_ op: String, _ other: Int) throws -> Int {
        let (r, overflow) =
            switch op {
            case "+": addingReportingOverflow(other)
            case "-": subtractingReportingOverflow(other)
            default: multipliedReportingOverflow(by: other)
            }
        guard !overflow else { throw ChatTemplateError.render("integer overflow: \(self) \(op) \(other)") }
        return r
    }

    /// Python's floor division and modulo (the remainder takes the divisor's sign); `other` is not zero.
    func floorDivided(by other: Int) throws -> (quotient: Int, remainder: Int) {
        guard !(self == Int.min && other == -1) else {
            throw ChatTemplateError.render("integer overflow: \(self) // -1")
        }
        var (q, r) = quotientAndRemainder(dividingBy: other)
        if r != 0 && (r < 0) != (other < 0) {
            q -= 1
            r += other
        }
        return (q, r)
    }

    /// `self ** exponent` (exponent ≥ 0) by repeated squaring, or a render error on overflow.
    func power(_ exponent: Int) throws -> Int {
        var result = 1, base = self, e = exponent
        while e > 0 {
            if e & 1 == 1 { result = try result.checked("*", base) }
            e >>= 1
            if e > 0 { base = try base.checked("*", base) }
        }
        return result
    }

    /// A float converted as Python's `int(x)` does (toward zero), or a render error for NaN, ∞ or a value past 64 bits.
    init(python x: Double) throws {
        guard let n = Int(exactly: x.rounded(.towardZero)) else {
            throw ChatTemplateError.render("cannot convert float \(x) to integer")
        }
        self = n
    }
}
