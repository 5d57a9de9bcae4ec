import Foundation
import Testing
import Tokenization

@testable import Gate
@testable import Inference

/// Per-request chat template variables (`GatePrompt.chat(_:templateVariables:)`, the server's
/// `chat_template_kwargs`) through the real model and the real template interpreter.
@Suite struct TemplateVariablesGateTests {
    static let qwen3Template = RealModelGateTests.root
        .appendingPathComponent("Tests/TokenizationTests/Fixtures/chat-templates/qwen3-0.6b.jinja").path

    @Test("a request's variables render over the template's own: Qwen 3's enable_thinking, on SmolLM2's tokenizer")
    func overTheModelsOwn() throws {
        guard let path = RealModelGateTests.model() else { return }
        let lm = try LanguageModel.load(path: path)
        let source = try String(contentsOfFile: Self.qwen3Template, encoding: .utf8)
        let thinking = try ChatTemplate(source: source, origin: "qwen3").with(variables: ["enable_thinking=true"])
        let messages = [ChatMessage(role: "user", content: "Name a planet.")]
        let off = try thinking.with(variables: ["enable_thinking=false"])
            .render(messages: messages, addGenerationPrompt: true)
        #expect(off.hasSuffix("<think>\n\n</think>\n\n"))
        let on = try thinking.render(messages: messages, addGenerationPrompt: true)
        #expect(on != off)
        #expect(try lm.chatPrompt(messages, template: thinking) == lm.tokenizer.encode(on, parseSpecial: true))
        #expect(
            try lm.chatPrompt(messages, template: thinking, templateVariables: ["enable_thinking=false"])
                == lm.tokenizer.encode(off, parseSpecial: true))
    }

    @Test(
        "a conversation a real template refuses (Gemma 3: roles must alternate) is the request's fault, not the engine's"
    )
    func refusedConversation() throws {
        let path = RealModelGateTests.root
            .appendingPathComponent("Tests/TokenizationTests/Fixtures/chat-templates/gemma-3-it.jinja").path
        let template = try ChatTemplate(source: String(contentsOfFile: path, encoding: .utf8), origin: "gemma3")
        let messages = [ChatMessage(role: "user", content: "Hi"), ChatMessage(role: "user", content: "Again")]
        do {
            _ = try template.render(messages: messages, addGenerationPrompt: true)
            Issue.record("the template accepted roles that do not alternate")
        } catch {
            let mapped = InferenceGateEngine.renderFailure(error)
            guard case GateError.chatTemplateRefused(let reason)? = mapped as? GateError else {
                Issue.record("mapped to \(mapped), not chatTemplateRefused")
                return
            }
            #expect(reason.contains("alternate"))
        }
    }

    @Test("a template past JinjaLimits is the engine's failure (a corrupt or hostile template), not the request's")
    func templatePastALimit() throws {
        let template = try ChatTemplate(source: "{% for i in range(10) %}{{ 'x' * 1000000 }}{% endfor %}")
        do {
            _ = try template.render(messages: [.user("Hi")], addGenerationPrompt: true)
            Issue.record("a 10 MB prompt rendered")
        } catch {
            guard case GateError.engineFailure(let reason)? = InferenceGateEngine.renderFailure(error) as? GateError
            else {
                Issue.record("\(error) mapped to \(InferenceGateEngine.renderFailure(error))")
                return
            }
            #expect(reason.contains("chat template stopped: the rendered text would make a string of"))
        }
    }

    @Test("the engine: a variable the template does not read changes nothing; a nameless one is refused")
    func engine() throws {
        guard let path = RealModelGateTests.model() else { return }
        let engine = try InferenceGateEngine(path: path)
        let messages = [ChatMessage(role: "user", content: "Name a planet.")]
        #expect(
            try engine.chatTokens(messages, templateVariables: ["enable_thinking=false"])
                == engine.chatTokens(messages, templateVariables: []))
        #expect(throws: GateError.self) { try engine.chatTokens(messages, templateVariables: ["=1"]) }
        do {
            _ = try engine.chatTokens(messages, templateVariables: ["=1"])
        } catch let GateError.chatTemplateRefused(reason) {
            #expect(reason.contains("=1"))
        }
    }
}
