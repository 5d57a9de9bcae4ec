// The interpreter's bounds (JinjaLimits): a corrupt or hostile chat template in a GGUF file stops with a clear error
// instead of overflowing the stack, exhausting memory or running for hours, while every real template renders long
// conversations far inside them.
import Foundation
import Testing
@testable import Tokenization

@Suite("Chat template limits")
struct JinjaLimitsTests {
    /// Renders `source` on one user message; the error it throws, or nil.
    private func failure(_ source: String) -> ChatTemplateError? {
        do {
            _ = try ChatTemplate(source: source).render(messages: [.user("hi")], addGenerationPrompt: true)
            return nil
        } catch {
            return error as? ChatTemplateError
        }
    }

    @Test(
        "blocks and expressions nested past the bound are syntax errors, not stack overflows",
        arguments: [
            String(repeating: "{% if true %}", count: 20_000) + String(repeating: "{% endif %}", count: 20_000),
            "{{ " + String(repeating: "-", count: 100_000) + "1 }}",
            "{{ " + String(repeating: "not ", count: 100_000) + "1 }}",
            "{{ 1" + String(repeating: " + 1", count: 100_000) + " }}",
            "{{ 'a'" + String(repeating: " ~ 'a'", count: 100_000) + " }}",
            "{{ " + String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000) + " }}",
            "{{ " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + " }}",
            "{{ x" + String(repeating: ".y", count: 100_000) + " }}",
            "{{ 'a'" + String(repeating: "|trim", count: 100_000) + " }}",
            "{{ 1" + String(repeating: " if true else 1", count: 100_000) + " }}",
        ])
    func nesting(source: String) {
        guard case .syntax(let message, _)? = failure(source) else {
            Issue.record(
                "\(source.prefix(40))… did not fail with a syntax error: \(String(describing: failure(source)))")
            return
        }
        #expect(message == "blocks or expressions nested more than \(JinjaLimits.nesting) deep")
    }

    @Test("nesting up to the bound renders")
    func nestingAtTheBound() throws {
        // Each bracket costs two levels (the expression inside it and its operand), the template's body one.
        func brackets(_ depth: Int) -> String {
            "{{ " + String(repeating: "(", count: depth) + "7" + String(repeating: ")", count: depth) + " }}"
        }
        let deepest = JinjaLimits.nesting / 2 - 2
        #expect(try ChatTemplate(source: brackets(deepest)).render(messages: [], addGenerationPrompt: false) == "7")
        #expect(throws: ChatTemplateError.self) { try ChatTemplate(source: brackets(deepest + 1)) }
    }

    @Test(
        "sizes and running time past the bounds are limit errors that name the operation",
        arguments: [
            ("{{ 'a' * 1000000000 }}", "'*' would make a string of 1000000000 bytes"),
            ("{{ ([1] * 100000000)|length }}", "'*' would make a list of 100000000 items"),
            ("{{ range(1000000000)|list|length }}", "range() would make a list of 1000000000 items"),
            ("{% for i in range(100000000) %}{% endfor %}", "range() would make a list of 100000000 items"),
            (
                "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                "'~' would make a string of 8388608 bytes"
            ),
            (
                "{% set s = 'a' * 4000000 %}{{ s|replace('a', 'aa') }}",
                "replace would make a string of 8000000 bytes"
            ),
            ("{% set s = 'a' * 3000000 %}{{ [s, s]|join }}", "join would make a string of 6000000 bytes"),
            ("{{ [1, 2]|tojson(indent=100000000) }}", "tojson's indent would make a string"),
            ("{{ 'a'|indent(99999999999) }}", "indent's width would make a string of 99999999999 bytes"),
            ("{{ ('x\n' * 1000000)|indent('    ') }}", "indent would make a string of"),
            (
                "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
                "rendering took more than \(JinjaLimits.steps) steps"
            ),
            (
                "{% set ns = namespace(a=[1]) %}{% for i in range(200) %}{% set ns.a = [ns.a] %}{% endfor %}",
                "values nested more than \(JinjaLimits.valueDepth) deep"
            ),
            (
                "{% set ns = namespace(a=[1]) %}{% for i in range(40) %}{% set ns.a = [ns.a, ns.a] %}{% endfor %}",
                "a value holds more than \(JinjaLimits.values) values"
            ),
            (
                "{% set ns = namespace(a=1) %}{% set ns.a = ns %}{{ ns }}",
                "values nested more than \(JinjaLimits.valueDepth) deep (or a namespace that holds itself)"
            ),
            (
                "{% for i in range(1000000) %}{{ 'x' * 1000 }}{% endfor %}",
                "the rendered text would make a string of"
            ),
        ])
    func bounds(source: String, expected: String) {
        let start = Date()
        guard case .limit(let message)? = failure(source) else {
            Issue.record("\(source) did not stop at a limit: \(String(describing: failure(source)))")
            return
        }
        #expect(message.hasPrefix(expected), "\(message)")
        #expect(Date().timeIntervalSince(start) < 30, "\(source) took \(Date().timeIntervalSince(start)) s to stop")
        #expect(String(describing: ChatTemplateError.limit(message)).hasSuffix("so the template is corrupt or hostile"))
    }

    @Test(
        "integers past 64 bits are errors where Python's would grow, never a trap",
        arguments: [
            "{{ 9223372036854775807 + 1 }}", "{{ -9223372036854775807 - 2 }}", "{{ 4611686018427387904 * 2 }}",
            "{{ 2 ** 64 }}", "{{ (-9223372036854775807 - 1) // -1 }}", "{{ -(-9223372036854775807 - 1) }}",
            "{{ (-9223372036854775807 - 1)|abs }}", "{{ 1e300|int }}", "{{ '1e400'|int }}", "{{ 'nan'|float|int }}",
            "{{ [9223372036854775807, 1]|sum }}",
        ])
    func overflow(source: String) {
        guard case .render(let message)? = failure(source) else {
            Issue.record("\(source): \(String(describing: failure(source)))")
            return
        }
        #expect(message.hasPrefix("integer overflow") || message.hasPrefix("cannot convert float"), "\(message)")
    }

    @Test("Python's integer semantics within 64 bits: floor division, modulo, powers")
    func integers() throws {
        let source =
            "{{ -7 // 2 }} {{ -7 % 2 }} {{ 7 // -2 }} {{ 7 % -2 }} {{ 2 ** 62 }} {{ (-1) ** 1000000000000 }} "
            + "{{ 3.9|int }} {{ -3.9|int }} {{ -5|abs }}"
        #expect(
            try ChatTemplate(source: source).render(messages: [], addGenerationPrompt: false)
                == "-4 1 -4 -1 4611686018427387904 1 3 -3 5")
        #expect(throws: ChatTemplateError.syntax("integer 99999999999999999999 is past 64 bits", line: 1)) {
            try ChatTemplate(source: "{{ 99999999999999999999 }}")
        }
    }

    @Test("every real template renders a 400-message conversation in under 1% of the step bound")
    func realTemplatesStayInside() throws {
        let paragraph = String(repeating: "A sentence of an ordinary conversation. ", count: 25)
        let messages =
            [ChatMessage.system("You are helpful.")]
            + (0..<400).map { $0 % 2 == 0 ? .user("\($0): \(paragraph)") : .assistant("\($0): \(paragraph)") }
        #expect(ChatTemplateFixtures.entries.count >= 15)
        for entry in ChatTemplateFixtures.entries {
            let template = try ChatTemplate(
                source: try ChatTemplateFixtures.source(entry.name), origin: entry.name,
                bosToken: entry.bos_token, eosToken: entry.eos_token)
            do {
                let (text, steps) = try template.renderCountingSteps(messages: messages, addGenerationPrompt: true)
                #expect(text.utf8.count > 400 * paragraph.utf8.count, "\(entry.name)")
                #expect(steps < JinjaLimits.steps / 100, "\(entry.name): \(steps) steps")
            } catch ChatTemplateError.raised {
                // templates that refuse a system message (Gemma, Mistral v0.2): the same without it
                let (_, steps) = try template.renderCountingSteps(
                    messages: Array(messages.dropFirst()), addGenerationPrompt: true)
                #expect(steps < JinjaLimits.steps / 100, "\(entry.name): \(steps) steps")
            }
        }
    }
}

@Suite("Chat template limits on a small stack")
struct JinjaStackTests {
    /// Renders `source` on a thread with a 1 MB stack, an eighth of what the CLI's and the server's threads get here
    /// (8 MB: the main thread and libdispatch's workers take RLIMIT_STACK); the error, or nil when it rendered. (A
    /// release build spends about 2–3 KB of stack per frame: at the frame bound a 512 KB stack overflows.)
    private func renderOnSmallStack(_ source: String) throws -> ChatTemplateError? {
        let template = try ChatTemplate(source: source)
        final class Box: @unchecked Sendable { var error: ChatTemplateError?; var other: Error? }
        let box = Box(), done = DispatchSemaphore(value: 0)
        let thread = Thread {
            do {
                _ = try template.render(messages: [.user("hi")], addGenerationPrompt: true)
            } catch let error as ChatTemplateError {
                box.error = error
            } catch {
                box.other = error
            }
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
        done.wait()
        if let other = box.other { throw other }
        return box.error
    }

    @Test(
        "a macro that calls itself from deep inside an expression stops at the frame bound, on a 1 MB stack",
        arguments: [45, 20, 1])
    func recursiveMacro(depth: Int) throws {
        let body = String(repeating: "-", count: depth) + "f(n)"
        let error = try renderOnSmallStack("{% macro f(n) %}{{ \(body) }}{% endmacro %}{{ f(1) }}")
        switch error {
        case .limit(let message)?: #expect(message.hasPrefix("nodes and expressions evaluated more than"))
        case .render(let message)?: #expect(message == "macro 'f' nested too deeply")
        default: Issue.record("\(String(describing: error))")
        }
    }

    @Test("the deepest expression the parser allows renders on a 1 MB stack")
    func deepestExpression() throws {
        let depth = JinjaLimits.nesting / 2 - 2
        let source = "{{ " + String(repeating: "(", count: depth) + "-7" + String(repeating: ")", count: depth) + " }}"
        #expect(try renderOnSmallStack(source) == nil)
    }
}
