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

    public init(architecture: String, name: String, nLayers: Int, dModel: Int, nHeads: Int, nKVHeads: Int,
                headDim: Int, dFF: Int, vocabSize: Int, contextLength: Int, ropeBase: Float, ropeDim: Int,
                rmsEpsilon: Float, tiedEmbeddings: Bool) {
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
        for (key, value) in [("block_count", nLayers), ("embedding_length", dModel), ("head_count", nHeads),
                             ("head_count_kv", nKVHeads), ("feed_forward_length", dFF), ("vocab", vocabSize),
                             ("context_length", contextLength), ("head_dim", headDim)] where value <= 0 {
            throw bad(key, value, "must be positive")
        }
        if nHeads % nKVHeads != 0 { throw bad("head_count_kv", nKVHeads, "must divide head_count \(nHeads)") }
        if ropeDim > headDim || ropeDim % 2 != 0 {
            throw bad("rope.dimension_count", ropeDim, "must be even and at most the head width \(headDim)")
        }
        if !(rmsEpsilon > 0) {
            throw InferenceError.invalidHyperParameter(key: "layer_norm_rms_epsilon", value: "\(rmsEpsilon)", reason: "must be positive")
        }
    }
}
