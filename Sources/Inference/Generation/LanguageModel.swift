import Checksum
import Foundation
import Hooks
import GGUF
import Tokenization

/// A GGUF language model ready to run: the forward pass of its architecture, its tokenizer and chat template.
///
/// Thread-safety: `run` may be called from several threads at once (each call has its own KV caches and the
/// weights are immutable). So may `generate`: generations running at the same time share their decode steps
/// (`DecodeBatcher`: one batched pass per step reads each weight once for all of them), and each one's tokens,
/// hooks and logits are the ones it would get alone.
public final class LanguageModel: @unchecked Sendable {
    /// The architecture's forward pass.
    public let model: any CausalLanguageModel
    /// The GGUF file (kept open: tensors and metadata stay mapped).
    public let file: GGUFFile
    /// Tokenizer built from `tokenizer.ggml.*`.
    public let tokenizer: any Tokenizer
    /// Path of the GGUF file.
    public let path: String
    /// The GGUF's own chat template (`tokenizer.chat_template`, interpreted as Jinja), or nil when the file has none
    /// or it does not parse (`requireChatTemplate()` says why).
    public var chatTemplate: ChatTemplate? { try? chatTemplateResult.get() }
    private let chatTemplateResult: Result<ChatTemplate, Error>
    /// Merges the decode steps of concurrent `generate` calls.
    private let batcher: DecodeBatcher
    /// What every prompt of the chat template starts with, as `encode` and as `encodePrompt` tokenise it (the
    /// latter may add BOS); computed once, at the first `generate`.
    private lazy var promptPrefixes: [PromptPrefix] = {
        guard let chat = chatTemplate else { return [] }
        let texts = ["What is the capital of France?", "Hi", "2 + 2 = ?"].compactMap {
            try? chat.render(messages: [.user($0)], addGenerationPrompt: true)
        }
        guard texts.count == 3 else { return [] }
        let plain = PromptPrefix.common(texts.map { tokenizer.encode($0, parseSpecial: true) })
        let prompt = PromptPrefix.common(texts.map { tokenizer.encodePrompt($0, parseSpecial: true) })
        return ([plain] + (prompt?.tokens == plain?.tokens ? [] : [prompt])).compactMap { $0 }
    }()
    private let prefixLock = NSLock()
    private let digestLock = NSLock()
    private var digest: String?

    /// Hyper-parameters.
    public var config: ModelConfig { model.config }

    /// Loads a model: maps and parses the GGUF, checks the model fits in memory, builds the tokenizer. Weight
    /// matrices stay in the mapping unless `storage` is `.float32` (dequantised once, ~4 bytes per weight).
    /// `decodeMode` chooses the single-token kernels (default: `quantized`, exact to float rounding).
    /// `templateVariables`: `name=value` assignments every chat template of this model renders with
    /// (`ChatTemplate.with(variables:)`).
    public static func load(
        path: String, decodeMode: DecodeMode = .quantized,
        storage: WeightStorage = .mapped, templateVariables: [String] = []
    ) throws -> LanguageModel {
        guard FileManager.default.fileExists(atPath: path) else {
            throw InferenceError.unreadableModel(path: path, reason: "no such file")
        }
        let file = try GGUFFile(path: path)
        return try LanguageModel(
            file: file, decodeMode: decodeMode, storage: storage, templateVariables: templateVariables)
    }

    /// Builds a model from an open GGUF file.
    public init(
        file: GGUFFile, decodeMode: DecodeMode = .quantized, storage: WeightStorage = .mapped,
        templateVariables: [String] = []
    ) throws {
        _ = try ChatTemplate.parse(variables: templateVariables)  // a malformed one fails the load, not each render
        self.file = file
        path = file.path
        model = try ArchitectureRegistry.makeModel(from: file, decodeMode: decodeMode, storage: storage)
        batcher = DecodeBatcher(model: model)
        let tokenizer = try makeTokenizer(from: file)
        self.tokenizer = tokenizer
        self.templateVariables = templateVariables
        chatTemplateResult = Result {
            try ChatTemplate(gguf: file, tokenizer: tokenizer).with(variables: templateVariables)
        }
    }

    /// The `name=value` template variables every chat template of this model renders with.
    public let templateVariables: [String]

    /// The chat template, or the error that explains why there is none (no template, or one that does not parse).
    public func requireChatTemplate() throws -> ChatTemplate { try chatTemplateResult.get() }

    /// Whether the GGUF carries a chat template, usable or not: a model without one (a base model) is asked
    /// `Question: …\nAnswer:`, while one whose template does not parse is an error to report, not a base model
    /// (until 2026-12-07 `capture` and `ask` fell back to the plain prompt without saying why).
    public var hasChatTemplate: Bool {
        if case .failure(TokenizationError.noChatTemplate) = chatTemplateResult { return false }
        return true
    }

    /// `chat`: the GGUF's own template; any other name: that built-in template (`ChatTemplate.builtInNames`) with
    /// this model's BOS/EOS text, for a GGUF without a template or to override its own.
    public func chatTemplate(named name: String) throws -> ChatTemplate {
        name == "chat"
            ? try requireChatTemplate()
            : try ChatTemplate(builtIn: name, tokenizer: tokenizer).with(variables: templateVariables)
    }

    /// Token ids of `messages` rendered with `template` (default: the model's own chat template) and the assistant
    /// generation prompt; `templateVariables` (`name=value`) are set for this render over the template's own.
    public func chatPrompt(
        _ messages: [ChatMessage], template: ChatTemplate? = nil, templateVariables: [String] = []
    ) throws -> [Int32] {
        let chosen = try (template ?? requireChatTemplate()).with(variables: templateVariables)
        let text = try chosen.render(messages: messages, addGenerationPrompt: true)
        return tokenizer.encode(text, parseSpecial: true)
    }

    /// Token ids of raw text as the model expects a prompt (BOS when the model wants it, special tokens parsed).
    public func rawPrompt(_ text: String) -> [Int32] { tokenizer.encodePrompt(text, parseSpecial: true) }

    /// SHA-256 of the GGUF file (hex), computed once on first use by streaming the file, or read from the digest
    /// cache (`DigestCache.standard`) when this file was hashed before.
    public var fileSHA256: String {
        get throws {
            digestLock.lock(); defer { digestLock.unlock() }
            if let digest { return digest }
            let d = try SHA256Hasher.hexDigest(ofFile: path, cache: .standard)
            digest = d
            return d
        }
    }

    /// Every hook point of this model, in firing order.
    public var hookNames: [HookName] { HookName.all(nLayers: config.nLayers) }

    /// Token ids the model ends a turn with (eos, eot, `<|im_end|>`...).
    public var stopTokens: Set<Int32> {
        var s = Set(tokenizer.specialTokens.endOfTurn)
        if let eos = tokenizer.specialTokens.eos { s.insert(eos) }
        return s
    }

    /// A batched, unpadded forward pass over sequences of any lengths (stateless).
    /// - Returns: per sequence, the captured hooks `[T, width]` and the requested logits.
    public func run(
        _ sequences: [[Int32]], capture: HookFilter,
        logits: LogitsRequest = .none
    ) throws -> [SequenceActivations] {
        try model.run(sequences, capture: capture, logits: logits)
    }

    /// The chat template's shared prefix when `prompt` starts with it and goes on after it (`PromptPrefix`).
    func sharedPrefix(of prompt: [Int32]) -> PromptPrefix? {
        prefixLock.withLock { promptPrefixes.first { $0.covers(prompt) } }
    }

    /// Generations running now (between their prompt's pass and their end), this one included.
    public var activeGenerations: Int { batcher.activeGenerations }

    /// Generates a continuation of `prompt`, streaming each token to `onToken` (return false to stop). Calls on
    /// other threads at the same time decode together with this one (see the type's note on thread-safety).
    /// A prompt that starts with the chat template's shared prefix reuses its keys and values (`PromptPrefix`).
    /// Stops at an end-of-turn token, after `parameters.maxTokens` tokens, or at the context length.
    /// Hooks in `capture` are recorded over the prompt and at every generated token's position.
    /// `onPrefill` sees the prompt's pass (its captured hooks) before any token is sampled; returning false ends the
    /// generation there (no tokens, finish `cancelled`).
    public func generate(
        prompt: [Int32], parameters: SamplingParameters, capture: HookFilter = .none,
        onToken: (GeneratedToken) -> Bool = { _ in true },
        onPrefill: (SequenceActivations) -> Bool = { _ in true }
    ) throws -> Generation {
        var decoder = tokenizer.makeStreamingDecoder()
        let prefix = sharedPrefix(of: prompt)
        return try GenerationLoop.run(
            model: model, batcher: batcher, prefix: prefix, prompt: prompt, parameters: parameters, capture: capture,
            stopTokens: stopTokens, piece: { decoder.push($0) }, flush: { decoder.finish() },
            onPrefill: onPrefill, onToken: onToken)
    }
}
