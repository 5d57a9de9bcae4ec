import Foundation

/// Hyper-parameters of a decoder-only transformer, read from GGUF metadata (`{arch}.*` keys).
public struct ModelConfig: Sendable, Equatable, Codable {
    /// `general.architecture`, e.g. `llama`.
    public var architecture: String
    /// `general.name` (or the file name when absent).
    public var name: String
    /// `{arch}.block_count`.
    public var nLayers: Int
    /// `{arch}.embedding_length` (d_model).
    public var dModel: Int
    /// `{arch}.attention.head_count`.
    public var nHeads: Int
    /// `{arch}.attention.head_count_kv` (defaults to `nHeads`).
    public var nKVHeads: Int
    /// Per-head width (`{arch}.attention.key_length`, default `dModel / nHeads`).
    public var headDim: Int
    /// `{arch}.feed_forward_length` (d_ff).
    public var dFF: Int
    /// Rows of `token_embd.weight`.
    public var vocabSize: Int
    /// `{arch}.context_length`.
    public var contextLength: Int
    /// `{arch}.rope.freq_base` (default 10000).
    public var ropeBase: Float
    /// `{arch}.rope.dimension_count` (default `headDim`): leading components of each head that are rotated.
    public var ropeDim: Int
    /// `{arch}.attention.layer_norm_rms_epsilon`.
    public var rmsEpsilon: Float
    /// True when `output.weight` is absent and the LM head reuses `token_embd.weight`.
    public var tiedEmbeddings: Bool

    public init(
        architecture: String, name: String, nLayers: Int, dModel: Int, nHeads: Int, nKVHeads: Int,
        headDim: Int, dFF: Int, vocabSize: Int, contextLength: Int, ropeBase: Float, ropeDim: Int,
        rmsEpsilon: Float, tiedEmbeddings: Bool
    ) {
        self.architecture = architecture; self.name = name; self.nLayers = nLayers; self.dModel = dModel
        self.nHeads = nHeads; self.nKVHeads = nKVHeads; self.headDim = headDim; self.dFF = dFF
        self.vocabSize = vocabSize; self.contextLength = contextLength; self.ropeBase = ropeBase
        self.ropeDim = ropeDim; self.rmsEpsilon = rmsEpsilon; self.tiedEmbeddings = tiedEmbeddings
    }

    /// Checks the relations between hyper-parameters that the forward pass relies on.
    public func validate() throws {
        func bad(_ key: String, _ value: Int, _ reason: String) -> InferenceError {
            .invalidHyperParameter(key: key, value: String(value), reason: reason)
        }
        for (key, value) in [
            ("block_count", nLayers), ("embedding_length", dModel), ("attention.head_count", nHeads),
            ("attention.head_count_kv", nKVHeads), ("feed_forward_length", dFF), ("vocab", vocabSize),
            ("context_length", contextLength), ("attention.key_length", headDim),
        ] where value <= 0 {
            throw bad(key, value, "must be positive")
        }
        // Bounds far above any real model keep every size product (heads × width, layers × cache) from overflowing.
        for (key, value, limit) in [
            ("block_count", nLayers, 1 << 16), ("attention.head_count", nHeads, 1 << 16),
            ("attention.head_count_kv", nKVHeads, 1 << 16), ("embedding_length", dModel, 1 << 20),
            ("attention.key_length", headDim, 1 << 20), ("feed_forward_length", dFF, 1 << 22),
            ("vocab", vocabSize, 1 << 24), ("context_length", contextLength, 1 << 26),
        ]
        where value > limit {
            throw bad(key, value, "is implausibly large (at most \(limit)); the file is corrupt")
        }
        if nHeads * headDim > 1 << 22 {
            throw bad("head_count", nHeads, "times the head width \(headDim) is implausibly large")
        }
        if nHeads % nKVHeads != 0 { throw bad("head_count_kv", nKVHeads, "must divide head_count \(nHeads)") }
        if ropeDim <= 0 || ropeDim > headDim || ropeDim % 2 != 0 {
            throw bad("rope.dimension_count", ropeDim, "must be even and at most the head width \(headDim)")
        }
        if !(rmsEpsilon > 0) || !rmsEpsilon.isFinite {
            throw InferenceError.invalidHyperParameter(
                key: "attention.layer_norm_rms_epsilon", value: "\(rmsEpsilon)",
                reason: "must be positive and finite")
        }
        if !(ropeBase > 0) || !ropeBase.isFinite {
            throw InferenceError.invalidHyperParameter(
                key: "rope.freq_base", value: "\(ropeBase)", reason: "must be positive and finite")
        }
    }
}
