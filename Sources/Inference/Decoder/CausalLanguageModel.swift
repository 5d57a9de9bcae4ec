import Foundation
import Hooks

/// What every architecture implements: a forward pass over a batch of sequences that continue their KV caches.
public protocol CausalLanguageModel: AnyObject, Sendable {
    /// Hyper-parameters.
    var config: ModelConfig { get }

    /// Runs the new tokens of each sequence through the model.
    ///
    /// - Parameters:
    ///   - sequences: new tokens per sequence; sequence `i` continues `caches[i]` (positions start at `caches[i].length`).
    ///   - caches: one KV cache per sequence; each is advanced by its sequence's length. When the pass stops early
    ///     (no logits, shallow hooks) the deeper layers are not written and the caches must not be reused.
    ///   - capture: hooks to copy out, aligned to the new tokens' positions.
    ///   - logits: which logits to compute.
    /// - Returns: one `SequenceActivations` per sequence.
    ///   - quantizedPrefill: multiply every row with the decode kernels on the quantised blocks (as a decode step
    ///     does), prompts included: each row then equals the same row in any other such pass, whatever shares it.
    func forward(
        _ sequences: [[Int32]], caches: [KVCache], capture: HookFilter,
        logits: LogitsRequest, quantizedPrefill: Bool
    ) throws -> [SequenceActivations]

    /// Longest prompt (tokens) that generation prefills with the decode kernels, inside a decode step's pass
    /// (0: never; prompts then take their own F32 pass).
    var quantizedPrefillLimit: Int { get }
}

extension CausalLanguageModel {
    /// A pass with the usual kernels: decode kernels for steps (one token per sequence), F32 for prompts.
    public func forward(
        _ sequences: [[Int32]], caches: [KVCache], capture: HookFilter, logits: LogitsRequest
    ) throws -> [SequenceActivations] {
        try forward(sequences, caches: caches, capture: capture, logits: logits, quantizedPrefill: false)
    }

    /// An empty KV cache sized for this model, holding at most `maxLength` positions (default: the context length).
    public func makeCache(maxLength: Int? = nil, initialCapacity: Int = 64) -> KVCache {
        KVCache(
            nLayers: config.nLayers, kvDim: config.nKVHeads * config.headDim,
            maxLength: min(maxLength ?? config.contextLength, config.contextLength),
            initialCapacity: initialCapacity)
    }

    /// A stateless forward pass (fresh caches) over sequences of any lengths, without padding.
    public func run(
        _ sequences: [[Int32]], capture: HookFilter,
        logits: LogitsRequest = .none
    ) throws -> [SequenceActivations] {
        let caches = sequences.map { makeCache(maxLength: max($0.count, 1), initialCapacity: max($0.count, 1)) }
        return try forward(sequences, caches: caches, capture: capture, logits: logits)
    }
}
