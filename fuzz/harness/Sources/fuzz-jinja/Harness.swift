// Fuzz target: a chat template (the GGUF's `tokenizer.chat_template`, or a --template-file) parsed and rendered on a
// short conversation, as every chat prompt is. The first byte chooses add_generation_prompt and the conversation; the
// rest is the template text. Any template must render or throw: never trap, overflow the stack, allocate without
// bound or run past libFuzzer's 10 s (JinjaLimits).
import Foundation
import FuzzSupport
import Tokenization

let conversations: [[ChatMessage]] = [
    [.user("What is the capital of France?")],
    [.system("Be brief."), .user("Hi"), .assistant("Hello! <think>x</think>"), .user("2 + 2?")],
    [],
]

/// With POLYGRAPH_FUZZ_WRITE_SEEDS=<dir>: writes this target's seeds there (the real templates committed as test
/// fixtures, and small ones for each construct) and exits. Run from the repository root.
func writeSeeds() {
    writeSeedsIfAsked {
        let fixtures = URL(fileURLWithPath: "Tests/TokenizationTests/Fixtures/chat-templates")
        let names = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.hasSuffix(".jinja") }
        var seeds = try names.sorted().map { name in
            (name, [UInt8(1)] + Array(try Data(contentsOf: fixtures.appendingPathComponent(name))))
        }
        for (i, small) in [
            "{% set ns = namespace(n=0) %}{% for m in messages if m.role != 'system' %}{% set ns.n = ns.n + 1 %}"
                + "{{ loop.index }}:{{ m.content|trim|upper }}{% endfor %}{{ ns.n * 2 ** 3 // 5 % 7 }}",
            "{% macro f(x, y=2) %}{{ x ~ y }}{% endmacro %}{{ f(1) }}{{ [1, 2, 3][::-1]|join(',') }}{{ range(3)|list }}",
            "{{ messages|tojson(indent=2) }}{{ {'a': [1, 2.5, none, true]}|tojson }}{{ 'a,b'.split(',') }}",
            "{%- if messages[0].role == 'system' %}{{ raise_exception('no system') }}{% elif x is defined %}y"
                + "{% else %}{{ 'x' * 3 }}{% endif -%}",
            "{{ (messages|selectattr('role', 'equalto', 'user')|map(attribute='content')|list|length) }}"
                + "{{ 'abc'|replace('b', 'bb')|center if false else 'n' }}{{ -7 // 2 }}{{ 'x'|int('d') }}",
        ].enumerated() {
            seeds.append(("construct-\(i)", [UInt8(i % 6)] + Array(small.utf8)))
        }
        return seeds
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard let mode = bytes.first else { return 0 }
    let source = String(decoding: bytes.dropFirst(), as: UTF8.self)
    guard let template = try? ChatTemplate(source: source, origin: "fuzz", bosToken: "<s>", eosToken: "</s>") else {
        return 0
    }
    let messages = conversations[Int(mode >> 1) % conversations.count]
    _ = try? template.render(messages: messages, addGenerationPrompt: mode & 1 == 1)
    return 0
}
