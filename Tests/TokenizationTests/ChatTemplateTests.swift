// Chat templates: the GGUF's own template and the built-in fallbacks render the golden prompts; the interpreter's
// constructs match jinja2 (jinja-cases.json); unsupported constructs and bad templates are clear errors.
import Foundation
import GGUF
import Testing
@testable import Tokenization

private let question = [ChatMessage.user("What is the capital of France?")]

/// The `text` of a golden prompt file.
private func goldenText(_ relativePath: String) throws -> String {
    struct Prompt: Decodable { let text: String }
    return try JSONDecoder().decode(
        Prompt.self, from: Data(contentsOf: TestPaths.golden.appendingPathComponent(relativePath))
    ).text
}

@Suite("Chat templates")
struct ChatTemplateTests {
    @Test(
        "SmolLM2's GGUF template adds its default system turn; the built-in chatml renders the golden chat prompt",
        .enabled(if: TestPaths.runGoldenTests))
    func smolLM2() throws {
        let file = try GGUFFile(path: TestPaths.model.path)
        let tok = try SmolLM2.tokenizer()
        let template = try ChatTemplate(gguf: file, tokenizer: tok)
        #expect(template.origin == "GGUF")
        let golden = try goldenText("chat_capital.json")
        #expect(
            try template.render(messages: question, addGenerationPrompt: true)
                == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                + golden)
        let bare = try ChatTemplate(builtIn: "chatml", tokenizer: tok).render(
            messages: question, addGenerationPrompt: true)
        #expect(bare == golden)
        #expect(
            tok.encode(bare, parseSpecial: true) == [
                1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198,
            ])
    }

    @Test(
        "Qwen 2.5's template (fixture from the 0.5B GGUF) inserts its default system prompt: the golden text",
        .enabled(if: TestPaths.isCI || TestPaths.hasGolden))
    func qwen() throws {
        let template = try ChatTemplate(
            source: try ChatTemplateFixtures.source("qwen2.5-coder-0.5b-instruct"), eosToken: "<|im_end|>")
        #expect(
            try template.render(messages: question, addGenerationPrompt: true)
                == (try goldenText("qwen2.5-coder-0.5b/chat_capital.json")))
    }

    @Test(
        "the built-in gemma template (Gemma 3's) gives the Gemma 3 270M golden chat prompt, system folded into the first turn",
        .enabled(if: TestPaths.isCI || TestPaths.hasGolden))
    func gemma() throws {
        let template = try ChatTemplate(builtIn: "gemma", bosToken: "<bos>", eosToken: "<eos>")
        #expect(
            try template.render(messages: question, addGenerationPrompt: true)
                == (try goldenText("gemma3-270m/chat_capital.json")))
        #expect(
            try template.render(
                messages: [.system("Be brief."), .user("Hi"), .assistant("Hello")], addGenerationPrompt: false)
                == "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n")
    }

    @Test("each built-in template is byte for byte the real template committed as its fixture")
    func builtInsAreFixtures() throws {
        #expect(Set(ChatTemplate.builtInNames) == Set(BuiltInChatTemplates.fixtureNames.keys))
        for (name, fixture) in BuiltInChatTemplates.fixtureNames {
            #expect(try ChatTemplate(builtIn: name).source == (try ChatTemplateFixtures.source(fixture)), "\(name)")
        }
    }

    @Test("an unknown built-in name lists the known ones")
    func unknownBuiltIn() {
        #expect(throws: TokenizationError.unknownChatTemplate(name: "vicuna", known: ChatTemplate.builtInNames)) {
            try ChatTemplate(builtIn: "vicuna")
        }
        let message = String(
            describing: TokenizationError.unknownChatTemplate(name: "vicuna", known: ChatTemplate.builtInNames))
        #expect(message.contains("chatml") && message.contains("llama3") && message.contains("gemma"))
    }

    @Test("small templates, one construct each, render as jinja2 renders them (jinja-cases.json)")
    func constructs() throws {
        struct Case: Decodable { let template: String; let output: String }
        let cases = try JSONDecoder().decode(
            [Case].self,
            from: Data(contentsOf: ChatTemplateFixtures.directory.appendingPathComponent("jinja-cases.json")))
        #expect(cases.count >= 15)
        for c in cases {
            let out = try ChatTemplate(source: c.template).render(messages: [], addGenerationPrompt: false)
            #expect(out == c.output, "\(c.template.debugDescription)")
        }
    }

    @Test("raise_exception is an error carrying the template's message")
    func raiseException() throws {
        let template = try ChatTemplate(builtIn: "mistral", bosToken: "<s>", eosToken: "</s>")
        #expect(throws: ChatTemplateError.raised("Only user and assistant roles are supported!")) {
            try template.render(messages: [.user("x"), .system("y")], addGenerationPrompt: false)
        }
        #expect(throws: ChatTemplateError.raised("Conversation roles must alternate user/assistant/user/assistant/..."))
        {
            try template.render(messages: [.user("a"), .user("b")], addGenerationPrompt: false)
        }
    }

    @Test(
        "unsupported constructs are errors that name the construct",
        arguments: [
            ("{% include 'header.jinja' %}", "the '{% include %}' statement"),
            ("{% for x in xs recursive %}{% endfor %}", "recursive for loops"),
            ("{{ messages | wordwrap(10) }}", "the filter 'wordwrap'"),
            ("{% if x is escaped %}{% endif %}", "the test 'escaped'"),
            ("{{ 'a %s' % 'b' }}", "printf-style '%' string formatting"),
            ("{{ '{}'.format(1) }}", "str.format"),
        ])
    func unsupported(template: String, construct: String) throws {
        do {
            let t = try ChatTemplate(source: template)
            _ = try t.render(messages: [.user("hi")], addGenerationPrompt: false)
            Issue.record("\(template) rendered")
        } catch let error as ChatTemplateError {
            guard case .unsupported(let named, _) = error else { Issue.record("\(error)"); return }
            #expect(named == construct)
            #expect(String(describing: error).contains("does not support"))
        }
    }

    @Test("syntax errors give the line; undefined values used as objects are render errors")
    func errors() throws {
        #expect(throws: ChatTemplateError.syntax("missing else or endfor", line: 3)) {
            try ChatTemplate(source: "a\n{% for m in messages %}\n{{ m }}")
        }
        #expect(throws: ChatTemplateError.syntax("unexpected 'endif'", line: 1)) {
            try ChatTemplate(source: "{% endif %}")
        }
        #expect(throws: ChatTemplateError.render("'nothing' is undefined")) {
            try ChatTemplate(source: "{{ nothing.content }}").render(messages: [], addGenerationPrompt: false)
        }
    }

    @Test("strftime_now reports the given date (Llama 3.2 prints today's date)")
    func strftimeNow() throws {
        let out = try ChatTemplate(builtIn: "llama3").render(
            messages: [.user("Hi")], addGenerationPrompt: true, now: ChatTemplateFixtures.now)
        #expect(out.contains("Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024"))
        let now = try ChatTemplate(source: "{{ strftime_now('%d %b %Y') }}").render(
            messages: [], addGenerationPrompt: false, now: ChatTemplateFixtures.now)
        #expect(now == "15 Jan 2026")
    }
}
