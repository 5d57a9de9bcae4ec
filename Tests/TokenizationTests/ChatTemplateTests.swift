// Chat templates: family detection and native rendering, checked against the golden prompts of each model.
import Foundation
import GGUF
import Testing
@testable import Tokenization

private let question = [ChatMessage.user("What is the capital of France?")]

/// The `text` of a golden prompt file.
private func goldenText(_ relativePath: String) throws -> String {
    struct Prompt: Decodable { let text: String }
    return try JSONDecoder().decode(Prompt.self, from: Data(contentsOf: TestPaths.golden.appendingPathComponent(relativePath))).text
}

@Suite("Chat templates")
struct ChatTemplateTests {
    @Test("SmolLM2's GGUF template is ChatML with its default system prompt", .enabled(if: TestPaths.runModelTests))
    func smolLM2Detection() throws {
        let file = try GGUFFile(path: TestPaths.model.path)
        let template = try ChatTemplate(gguf: file, tokenizer: try SmolLM2.tokenizer())
        #expect(template == .chatML(defaultSystemPrompt: "You are a helpful AI assistant named SmolLM, trained by Hugging Face"))
    }

    @Test("SmolLM2 rendering: the default system turn, then the golden chat prompt; without the default it is the golden text",
          .enabled(if: TestPaths.runGoldenTests))
    func smolLM2Rendering() throws {
        let golden = try goldenText("chat_capital.json")
        let template = ChatTemplate.chatML(defaultSystemPrompt: "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        let rendered = template.render(messages: question, addGenerationPrompt: true)
        #expect(rendered == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n" + golden)
        let bare = template.omittingDefaultSystemPrompt().render(messages: question, addGenerationPrompt: true)
        #expect(bare == golden)
        let tok = try SmolLM2.tokenizer()
        #expect(tok.encode(bare, parseSpecial: true) == [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198])
    }

    @Test("ChatML: a given system message replaces the default; no generation prompt unless asked")
    func chatMLSystemAndTurns() {
        let template = ChatTemplate.chatML(defaultSystemPrompt: "Default.")
        let messages = [ChatMessage.system("Be brief."), .user("Hi"), .assistant("Hello!")]
        #expect(template.render(messages: messages, addGenerationPrompt: false)
            == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n")
    }

    @Test("a Qwen 2.5 style template: the default system prompt is found in its else-branch and renders the golden text",
          .enabled(if: TestPaths.isCI || TestPaths.hasGolden))
    func qwenStyle() throws {
        let template = """
        {%- if messages[0]['role'] == 'system' %}
            {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
        {%- else %}
            {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
        {%- endif %}
        {%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{%- endfor %}
        {%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}
        """
        let detected = try ChatTemplate.detect(from: template)
        #expect(detected == .chatML(defaultSystemPrompt: "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."))
        #expect(detected.render(messages: question, addGenerationPrompt: true) == (try goldenText("qwen2.5-coder-0.5b/chat_capital.json")))
    }

    @Test("Llama 3: BOS, header-wrapped trimmed turns, and the assistant header as generation prompt")
    func llama3() throws {
        let template = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
        let detected = try ChatTemplate.detect(from: template, bosToken: "<|begin_of_text|>")
        #expect(detected == .llama3(bosToken: "<|begin_of_text|>", knowledgeCutoffHeader: false))
        let rendered = detected.render(messages: [.system("Be brief. "), .user(" Hi\n")], addGenerationPrompt: true)
        #expect(rendered == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    @Test("Llama 3.1: the knowledge-cutoff system header opens every conversation")
    func llama31() throws {
        let template = "{{- bos_token }}\n{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}{{- \"Cutting Knowledge Date: December 2023\\n\" }}{{- '<|eot_id|>' }}"
        let detected = try ChatTemplate.detect(from: template, bosToken: "<|begin_of_text|>")
        #expect(detected == .llama3(bosToken: "<|begin_of_text|>", knowledgeCutoffHeader: true))
        #expect(detected.render(messages: [.user("Hi")], addGenerationPrompt: false)
            == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>")
    }

    @Test("Gemma: BOS, model instead of assistant, system folded into the first user turn; golden text for one question",
          .enabled(if: TestPaths.isCI || TestPaths.hasGolden))
    func gemma() throws {
        let template = "{{ bos_token }}{%- for message in loop_messages -%}{{ '<start_of_turn>' + role + '\\n' }}{{ message['content'] | trim }}{{ '<end_of_turn>\\n' }}{%- endfor -%}{%- if add_generation_prompt -%}{{'<start_of_turn>model\\n'}}{%- endif -%}"
        let detected = try ChatTemplate.detect(from: template, bosToken: "<bos>")
        #expect(detected == .gemma(bosToken: "<bos>"))
        #expect(detected.render(messages: question, addGenerationPrompt: true) == (try goldenText("gemma3-270m/chat_capital.json")))
        #expect(detected.render(messages: [.system("Be brief."), .user("Hi"), .assistant("Hello")], addGenerationPrompt: false)
            == "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n")
    }

    @Test("an unknown template is an error that quotes its first line and points to --raw")
    func unknownTemplate() {
        let template = "{% for m in messages %}[INST] {{ m.content }} [/INST]\n{% endfor %}"
        #expect {
            try ChatTemplate.detect(from: template)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("{% for m in messages %}[INST] {{ m.content }} [/INST]") && text.contains("--raw")
        }
    }
}
