// The real engine behind the gate: a GGUF `LanguageModel` (module Inference) with its tokenizer and chat template.
import Foundation
import Hooks
import Inference
import Tokenization

/// Adapts `Inference.LanguageModel` to ``GateEngine``: chats are rendered with the GGUF's chat template, the
/// probe's hook is captured during `LanguageModel.generate` itself, and `/v1/score` uses the batched `run`.
public final class InferenceGateEngine: GateEngine, @unchecked Sendable {
    /// The loaded model (weights, tokenizer).
    public let languageModel: LanguageModel
    public let model: ModelIdentity

    public var dModel: Int { languageModel.config.dModel }
    public let hasChatTemplate: Bool
    public var contextLength: Int { languageModel.config.contextLength }

    /// Wraps a loaded model (computes the file's sha256 once, ~0.3 s for 100 MB).
    public init(languageModel: LanguageModel) throws {
        self.languageModel = languageModel
        hasChatTemplate = languageModel.hasChatTemplate
        let config = languageModel.config
        model = ModelIdentity(
            name: config.name, architecture: config.architecture,
            sha256: try languageModel.fileSHA256)
    }

    /// Loads the GGUF at `path` and wraps it.
    public convenience init(path: String) throws {
        try self.init(languageModel: LanguageModel.load(path: path))
    }

    public func modelFileProblem() -> String? {
        languageModel.file.changeSinceOpened().map { "\(languageModel.path): \($0)" }
    }

    public func hasHook(_ hook: HookName) -> Bool {
        (try? hook.validate(nLayers: languageModel.config.nLayers)) != nil
    }

    public func chatTokens(_ messages: [ChatMessage], templateVariables: [String]) throws -> [Int] {
        let template: ChatTemplate
        do {
            template = try languageModel.requireChatTemplate()
        } catch {
            let missing = if case TokenizationError.noChatTemplate = error { true } else { false }
            throw GateError.noChatTemplate(
                missing ? "the GGUF has no tokenizer.chat_template; a base model?" : "\(error)")
        }
        do {
            return try languageModel.chatPrompt(messages, template: template, templateVariables: templateVariables)
                .map(Int.init)
        } catch {
            throw Self.renderFailure(error)
        }
    }

    /// The gate's error for a chat render that failed: the request's fault (the template's `raise_exception`, a
    /// value it cannot use, a malformed variable) is ``GateError/chatTemplateRefused(_:)``, a 400; a template the
    /// interpreter cannot run is an engine failure.
    static func renderFailure(_ error: any Error) -> any Error {
        switch error {
        case let error as ChatTemplateError:
            switch error {
            case .raised, .render: return GateError.chatTemplateRefused(error.description)
            case .syntax, .unsupported, .limit:  // past JinjaLimits only a corrupt or hostile template goes
                return GateError.engineFailure("the chat template failed: \(error)")
            }
        case let error as TokenizationError: return GateError.chatTemplateRefused(error.description)
        default: return error
        }
    }

    /// The rows of `names` end to end (a multi-layer probe's input), each read by `row`; a hook without a row is an
    /// engine failure naming it and `place`.
    static func joined(_ names: [HookName], _ place: String, row: (HookName) -> ArraySlice<Float>?) throws -> [Float] {
        var joined: [Float] = []
        for name in names {
            guard let part = row(name) else { throw GateError.engineFailure("hook \(name) was not captured \(place)") }
            joined += part
        }
        return joined
    }

    public func textTokens(_ text: String) throws -> [Int] {
        guard !text.isEmpty else { return [] }
        return languageModel.tokenizer.encodePrompt(text, parseSpecial: false).map(Int.init)
    }

    /// Captures every hook in `hooks` during the one generation pass; each row handed over is theirs end to end.
    public func generate(
        prompt: [Int], options: GenerationOptions, hooks names: [HookName], onPrompt: ([Float]) -> Bool,
        onStep: (GenerationStep) -> Bool
    ) throws -> GenerationSummary {
        let parameters = options.samplingParameters(seed: options.seed ?? UInt64.random(in: 0...UInt64.max))
        let tokenizer = languageModel.tokenizer
        var missing: (any Error)?
        let generation = try languageModel.generate(
            prompt: prompt.map(Int32.init), parameters: parameters,
            capture: HookFilter(names),
            onToken: { token in
                let row: [Float]
                do {
                    row = try Self.joined(names, "at token \(token.index)") { token.activations[$0].map { $0[...] } }
                } catch {
                    missing = error
                    return false
                }
                let chosen = TokenAlternative(
                    id: Int(token.id), bytes: tokenizer.bytes(for: token.id),
                    logprob: Double(token.score.logprob))
                let top = token.top.map {
                    TokenAlternative(id: Int($0.id), bytes: tokenizer.bytes(for: $0.id), logprob: Double($0.logprob))
                }
                var step = GenerationStep(
                    token: Int(token.id), text: token.text, activation: row, chosen: chosen, top: top)
                step.entropy = Double(token.score.entropy)
                step.margin = Double(token.score.margin)
                return onStep(step)
            },
            onPrefill: { prefill in
                let row = { prefill.row($0, at: prefill.tokenCount - 1) }
                guard let last = try? Self.joined(names, "over the prompt", row: row) else { return true }
                return onPrompt(last)
            })
        if let missing { throw missing }
        let promptRows = generation.promptActivations
        let last = try Self.joined(names, "over the prompt") { promptRows.row($0, at: promptRows.tokenCount - 1) }
        return GenerationSummary(
            finishReason: generation.finishReason, text: generation.text, lastPromptActivation: last)
    }

    public func activations(of sequences: [[Int]], hooks names: [HookName]) throws -> [[[Float]]] {
        let results = try languageModel.run(sequences.map { $0.map(Int32.init) }, capture: HookFilter(names))
        return try results.map { result in
            var perHook: [[[Float]]] = []
            for name in names {
                guard let rows = result.activations(name), let width = result.widths[name], width > 0 else {
                    throw GateError.engineFailure("hook \(name) was not captured")
                }
                perHook.append(stride(from: 0, to: rows.count, by: width).map { Array(rows[$0..<($0 + width)]) })
            }
            guard perHook.count > 1 else { return perHook[0] }
            // Each position's rows of every hook, end to end (a multi-layer probe's input).
            return perHook[0].indices.map { t in perHook.flatMap { $0[t] } }
        }
    }

    public func answerTokens(_ text: String) throws -> [Int] {
        languageModel.tokenizer.encode(text, parseSpecial: false).map(Int.init)
    }

    /// `LanguageModel.teacherForce`, its rows laid end to end in the order of `hooks`.
    public func teacherForced(_ pairs: [(prompt: [Int], answer: [Int])], hooks names: [HookName]) throws -> [(
        promptLast: [Float], steps: [GenerationStep]
    )] {
        let tokenizer = languageModel.tokenizer
        let forced = try languageModel.teacherForce(
            pairs.map { (prompt: $0.prompt.map(Int32.init), answer: $0.answer.map(Int32.init)) },
            capture: HookFilter(names))
        let config = languageModel.config
        return try forced.map { run in
            func joined(_ rows: [HookName: [Float]], at i: Int) throws -> [Float] {
                try Self.joined(names, "at answer token \(i)") { name in
                    let width = name.width(in: config)
                    guard let values = rows[name], values.count >= (i + 1) * width else { return nil }
                    return values[(i * width)..<((i + 1) * width)]
                }
            }
            var decoder = tokenizer.makeStreamingDecoder()
            let steps = try run.answerTokens.enumerated().map { i, id -> GenerationStep in
                let score = run.scores[i]
                var step = GenerationStep(
                    token: Int(id), text: decoder.push(id), activation: try joined(run.answerRows, at: i),
                    chosen: TokenAlternative(
                        id: Int(id), bytes: tokenizer.bytes(for: id), logprob: Double(score.logprob)))
                step.entropy = Double(score.entropy)
                step.margin = Double(score.margin)
                return step
            }
            return (try joined(run.promptLastRow, at: 0), steps)
        }
    }
}
