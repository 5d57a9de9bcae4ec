import ArgumentParser
import Foundation
import Gate
import Inference
import Tokenization

/// `polygraph generate`: stream a completion (logic in `Inference.LanguageModel`).
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate text from a prompt, streamed to stdout.")

    @OptionGroup var model: ModelOptions
    @Option(help: "The prompt text.") var prompt: String
    @Flag(help: "Wrap the prompt as a user turn with the model's chat template.") var chat = false
    @Flag(help: "Use the prompt text as-is (no template; special-token text such as <|im_start|> is parsed).")
    var raw = false
    @Option(help: "System message (with --chat).") var system: String?
    @Option(
        help:
            "With --chat: chat (the GGUF's own template, default) or a built-in template to use instead (chatml, llama2, llama3, mistral, gemma, phi3, deepseek)."
    )
    var template: TemplateChoice = .chat
    @Option(help: "Maximum number of tokens to generate.") var maxTokens = 256
    @OptionGroup var sampling: SamplingOptions
    @Option(
        help: "Probe artifact (JSON): score the answer from this same generation pass and print P(true) and the flag.")
    var probe: String?
    @Flag(help: "With --probe: score with a probe trained on another model's weights anyway.")
    var allowModelMismatch = false
    @Flag(help: "Print one JSON object on stdout instead of streaming text.") var json = false

    func validate() throws {
        if chat && raw { throw ValidationError("--chat and --raw exclude each other") }
        if system != nil && !chat { throw ValidationError("--system needs --chat") }
        if template != .chat && !chat { throw ValidationError("--template needs --chat") }
        if template == .raw { throw ValidationError("--template raw: pass --raw instead of --chat") }
        do { try parameters.validate() } catch { throw ValidationError(String(describing: error)) }
    }

    var parameters: SamplingParameters {
        sampling.parameters(maxTokens: maxTokens)
    }

    func run() throws {
        let lm = try model.load()
        let ids: [Int32]
        if chat {
            var messages: [ChatMessage] = []
            if let system { messages.append(.system(system)) }
            messages.append(.user(prompt))
            do { ids = try lm.chatPrompt(messages, template: try template.template(for: lm)) } catch {
                throw CommandError(
                    "\(error). Hint: pass --raw to send the prompt text without a template, or --template NAME")
            }
        } else {
            ids = lm.rawPrompt(prompt)
        }
        let out = FileHandle.standardOutput
        if let probe {
            try runGated(lm, ids: ids, probePath: probe, out: out)
            return
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let gen = try lm.generate(prompt: ids, parameters: parameters) { token in
            if !json { out.write(Data(token.text.utf8)) }
            return true
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if json {
            struct Report: Encodable {
                let model: String; let prompt_tokens: Int; let text: String; let tokens: [Int32]
                let finish_reason: String; let seconds: Double; let tokens_per_second: Double
            }
            let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
            let report = Report(
                model: lm.config.name, prompt_tokens: gen.promptTokenCount, text: gen.text,
                tokens: gen.tokens, finish_reason: gen.finishReason.rawValue, seconds: seconds,
                tokens_per_second: Double(gen.tokens.count) / max(seconds, 1e-9))
            print(String(decoding: try enc.encode(report), as: UTF8.self))
        } else {
            out.write(Data("\n".utf8))
            FileHandle.standardError.write(
                Data(
                    String(
                        format: "[%d prompt tokens, %d generated in %.2f s (%.1f tok/s), finish: %@]\n",
                        gen.promptTokenCount,
                        gen.tokens.count, seconds, Double(gen.tokens.count) / max(seconds, 1e-9),
                        gen.finishReason.rawValue
                    ).utf8))
        }
    }

    /// Generation through the gate: the answer streams as usual, then its P(true) and flag (stdout), or one JSON
    /// object with the same `polygraph` fields as the server's.
    private func runGated(_ lm: LanguageModel, ids: [Int32], probePath: String, out: FileHandle) throws {
        let answer = try Gate.generate(
            with: lm, probePath: probePath, prompt: ids, parameters: parameters,
            allowModelMismatch: allowModelMismatch
        ) { token in
            if !json { out.write(Data(token.text.utf8)) }
            return true
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: answer.jsonObject, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            out.write(Data("\n".utf8))
            print(answer.verdictLine)
        }
    }
}
