// Polygraph's Jinja interpreter against Python jinja2 on real chat templates: every committed template
// (Fixtures/chat-templates/templates.json names each one's source) rendered on every conversation of renders.json,
// compared byte for byte with the renders scripts/chat-template-renders.py made with jinja2 as transformers does.
import Foundation
import Testing
@testable import Tokenization

enum ChatTemplateFixtures {
    static let directory = TestPaths.root.appendingPathComponent("Tests/TokenizationTests/Fixtures/chat-templates")

    struct Entry: Decodable, Sendable, CustomStringConvertible {
        let name: String, source: String, bos_token: String, eos_token: String, family: String
        var description: String { name }
    }

    struct Message: Decodable { let role: String; let content: String }

    struct Render: Decodable {
        let template: String, conversation: String, add_generation_prompt: Bool
        let output: String?, raised: String?, error: String?
    }

    struct Renders: Decodable {
        let jinja2: String
        let conversations: [String: [Message]]
        let renders: [Render]
    }

    static let entries: [Entry] =
        (try? JSONDecoder().decode(
            [Entry].self, from: Data(contentsOf: directory.appendingPathComponent("templates.json")))) ?? []

    static func renders() throws -> Renders {
        try JSONDecoder().decode(Renders.self, from: Data(contentsOf: directory.appendingPathComponent("renders.json")))
    }

    static func source(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent("\(name).jinja"), encoding: .utf8)
    }

    /// The date the renders were made with (scripts/chat-template-renders.py: 15 Jan 2026 12:00 local time).
    static let now: Date = {
        var c = DateComponents()
        (c.year, c.month, c.day, c.hour) = (2026, 1, 15, 12)
        return Calendar(identifier: .gregorian).date(from: c)!
    }()
}

@Suite("Jinja chat templates against Python jinja2")
struct JinjaFixtureTests {
    @Test("at least 15 real templates from the named families, each with its source named")
    func coverage() throws {
        let entries = ChatTemplateFixtures.entries
        #expect(entries.count >= 15)
        #expect(entries.allSatisfy { !$0.source.isEmpty })
        let families = Set(entries.map(\.family))
        for family in [
            "Llama 2", "Llama 3", "Llama 3.1", "Mistral", "Mixtral", "Qwen 2.5", "Qwen 3", "Gemma 2", "Gemma 3",
            "Phi-3", "Phi-4", "DeepSeek R1", "ChatML (SmolLM2)", "ChatML",
        ] {
            #expect(families.contains(family), "no \(family) template")
        }
        let renders = try ChatTemplateFixtures.renders()
        #expect(renders.renders.count == entries.count * renders.conversations.count * 2)
    }

    @Test("every conversation renders byte for byte as jinja2 renders it", arguments: ChatTemplateFixtures.entries)
    func renders(_ entry: ChatTemplateFixtures.Entry) throws {
        let template = try ChatTemplate(
            source: try ChatTemplateFixtures.source(entry.name), origin: entry.name,
            bosToken: entry.bos_token, eosToken: entry.eos_token)
        let all = try ChatTemplateFixtures.renders()
        let mine = all.renders.filter { $0.template == entry.name }
        #expect(mine.count == all.conversations.count * 2)
        for r in mine {
            let messages = try #require(all.conversations[r.conversation]).map {
                ChatMessage(role: $0.role, content: $0.content)
            }
            let label = "\(entry.name) / \(r.conversation) / add_generation_prompt=\(r.add_generation_prompt)"
            let result = Result {
                try template.render(
                    messages: messages, addGenerationPrompt: r.add_generation_prompt,
                    now: ChatTemplateFixtures.now)
            }
            switch (result, r.output, r.raised) {
            case let (.success(text), expected?, _):
                #expect(text == expected, "\(label)\n--- ours ---\n\(text)\n--- jinja2 ---\n\(expected)")
            case let (.failure(error), _, raised?):
                #expect(error as? ChatTemplateError == .raised(raised), "\(label): \(error)")
            case let (.failure(error), _, _):
                Issue.record("\(label): jinja2 rendered it, ours failed: \(error)")
            case let (.success(text), nil, _):
                Issue.record(
                    "\(label): jinja2 failed (\(r.raised ?? r.error ?? "")), ours rendered \(text.debugDescription)")
            }
        }
    }
}

@Suite("Chat template variables (--template-var)")
struct ChatTemplateVariableTests {
    struct Render: Decodable {
        let template: String, variables: [String], conversation: String, add_generation_prompt: Bool, output: String
    }

    @Test("Qwen 3 with enable_thinking false and true renders byte for byte as jinja2 (renders-variables.json)")
    func qwen3Thinking() throws {
        let url = ChatTemplateFixtures.directory.appendingPathComponent("renders-variables.json")
        let renders = try JSONDecoder().decode([Render].self, from: Data(contentsOf: url))
        let conversations = try ChatTemplateFixtures.renders().conversations
        #expect(renders.count == 2 * conversations.count * 2)
        for r in renders {
            let entry = try #require(ChatTemplateFixtures.entries.first { $0.name == r.template })
            let template = try ChatTemplate(
                source: try ChatTemplateFixtures.source(entry.name), origin: entry.name, bosToken: entry.bos_token,
                eosToken: entry.eos_token
            ).with(variables: r.variables)
            let messages = try #require(conversations[r.conversation]).map {
                ChatMessage(role: $0.role, content: $0.content)
            }
            let text = try template.render(
                messages: messages, addGenerationPrompt: r.add_generation_prompt, now: ChatTemplateFixtures.now)
            #expect(text == r.output, "\(r.variables) / \(r.conversation) / \(r.add_generation_prompt)")
        }
        // Thinking off closes an empty think block in the generation prompt; on (the default) does not.
        #expect(renders.contains { $0.variables == ["enable_thinking=false"] && $0.output.hasSuffix("</think>\n\n") })
    }

    @Test("values are JSON, else text; a render's own names cannot be replaced; NAME=VALUE is required")
    func values() throws {
        let template = try ChatTemplate(
            source:
                "{{ x }}|{{ y|tojson }}|{{ z is none }}|{{ n + 1 }}|{{ messages|length }}|{{ add_generation_prompt }}"
        ).with(variables: [
            "x=hello world", #"y={"b": [1, 2.5, true, "s"]}"#, "z=null", "n=41", "messages=[]",
            "add_generation_prompt=7",
        ])
        let text = try template.render(messages: [.user("hi")], addGenerationPrompt: false)
        #expect(text == #"hello world|{"b": [1, 2.5, true, "s"]}|True|42|1|False"#)
        for bad in ["novalue", "=3", ""] {
            #expect(throws: TokenizationError.invalidTemplateVariable(bad)) {
                _ = try template.with(variables: [bad])
            }
        }
    }
}
