import Foundation
import Hooks

/// Why generation ended: the engine's and the gate's answer (the raw values are OpenAI's `finish_reason` words).
public enum FinishReason: String, Sendable, Codable, Hashable {
    /// An end-of-turn / end-of-sequence token (or one of the extra stop tokens, or a stop sequence) ended it.
    case stop
    /// `maxTokens` (or the context length) was reached.
    case length
    /// The caller stopped it: the `onToken` callback returned false (for the gate, a client that went away).
    case cancelled
}

/// One generated token, handed to the streaming callback.
public struct GeneratedToken: Sendable {
    /// Token id.
    public let id: Int32
    /// Text this token adds, from the streaming decoder ("" while a UTF-8 character is still incomplete).
    public let text: String
    /// 0-based index among the generated tokens.
    public let index: Int
    /// Captured hook rows at this token's position (`[width]` per hook): the activations the model computes when
    /// this token is its input, i.e. the hidden state from which the next token is predicted.
    public let activations: [HookName: [Float]]
    /// The model's confidence in this token, from the logits that predicted it.
    public let score: TokenScore
    /// The `parameters.topLogprobs` most likely tokens at this step with their log-probs (empty when not asked).
    public let top: [(id: Int32, logprob: Float)]
}

/// The result of `generate`.
public struct Generation: Sendable {
    /// Generated token ids, without the end-of-turn token.
    public let tokens: [Int32]
    /// Their decoded text.
    public let text: String
    public let finishReason: FinishReason
    /// The stop token that ended generation (when `finishReason == .stop`).
    public let stopToken: Int32?
    /// Number of prompt tokens.
    public let promptTokenCount: Int
    /// Hooks captured over the prompt's positions (`[promptTokenCount, width]`).
    public let promptActivations: SequenceActivations
    /// Hooks captured at the generated tokens' positions, `[tokens.count, width]` row-major per hook.
    public let generatedActivations: [HookName: [Float]]
    /// The model's confidence in each generated token, `[tokens.count]`.
    public let scores: [TokenScore]

    /// Captured activations of `hook` at the generated positions, `[tokens.count, width]`.
    public func activations(_ hook: HookName) -> [Float]? { generatedActivations[hook] }
}

/// The autoregressive loop (prefill the prompt through the KV cache, then one token per step), independent of
/// the tokenizer: the caller supplies a streaming `piece` decoder and the stop tokens. Passes go through
/// `batcher`, so that loops running at the same time on other threads share their decode steps (nil: a batcher
/// of this loop alone). A prompt that starts with `prefix` prefills only its remaining tokens.
enum GenerationLoop {
    static func run(
        model: any CausalLanguageModel, batcher: DecodeBatcher? = nil, prefix: PromptPrefix? = nil, prompt: [Int32],
        parameters: SamplingParameters, capture: HookFilter, stopTokens: Set<Int32>,
        piece: (Int32) -> String, flush: () -> String,
        onPrefill: (SequenceActivations) -> Bool = { _ in true },
        onToken: (GeneratedToken) -> Bool
    ) throws -> Generation {
        let batcher = batcher ?? DecodeBatcher(model: model)
        try parameters.validate()
        if prompt.isEmpty { throw InferenceError.emptySequence(index: 0) }
        let context = model.config.contextLength
        if prompt.count > context { throw InferenceError.contextOverflow(tokens: prompt.count, contextLength: context) }
        let budget = min(parameters.maxTokens, context - prompt.count)
        let cache = model.makeCache(
            maxLength: min(context, prompt.count + budget + 1),
            initialCapacity: min(context, prompt.count + min(budget, 256) + 1))
        // The shared prompt prefix's keys and values are copied in and only the rest is prefilled; a short rest
        // rides in the next decode step with the decode kernels (which rule applies depends on the prompt alone).
        let head = try prefix.flatMap { $0.covers(prompt) ? try $0.start(cache, model: model, capture: capture) : nil }
        let rest = Array(prompt[(head?.tokenCount ?? 0)...])
        let quantized = rest.count <= model.quantizedPrefillLimit
        let tail = try batcher.prefill(rest, cache: cache, capture: capture, logits: .last, quantized: quantized)
        let prefill = head.map { PromptPrefix.join($0, tail) } ?? tail
        // A caller that decides from the prompt alone (a pre-generation probe) stops here, before any decode.
        guard onPrefill(prefill) else {
            return Generation(
                tokens: [], text: "", finishReason: .cancelled, stopToken: nil, promptTokenCount: prompt.count,
                promptActivations: prefill, generatedActivations: [:], scores: [])
        }
        var logits = prefill.lastLogits ?? []
        var sampler = Sampler(parameters)
        let stops = stopTokens.union(parameters.stopTokens)
        var tokens: [Int32] = [], text = "", captured: [HookName: [Float]] = [:], scores: [TokenScore] = []
        var reason = FinishReason.length, stopToken: Int32?
        batcher.join()
        defer { batcher.leave() }
        for index in 0..<budget {
            let id = sampler.sample(logits)
            if stops.contains(id) { reason = .stop; stopToken = id; break }
            tokens.append(id)
            let score = TokenScore.of(id, logits: logits)
            let top = TokenScore.top(parameters.topLogprobs, logits: logits)
            scores.append(score)
            let piece = piece(id)
            text += piece
            var rows: [HookName: [Float]] = [:]
            let isLast = index == budget - 1
            if !isLast || !capture.isEmpty {
                let step = try batcher.step(id, cache: cache, capture: capture, logits: isLast ? .none : .last)
                if let next = step.lastLogits { logits = next }
                for (hook, values) in step.captured {
                    rows[hook] = values
                    captured[hook, default: []] += values
                }
            }
            if !onToken(
                GeneratedToken(
                    id: id, text: piece, index: index, activations: rows,
                    score: score, top: top))
            {
                reason = .cancelled; break
            }
        }
        text += flush()
        return Generation(
            tokens: tokens, text: text, finishReason: reason, stopToken: stopToken,
            promptTokenCount: prompt.count, promptActivations: prefill, generatedActivations: captured, scores: scores)
    }
}
