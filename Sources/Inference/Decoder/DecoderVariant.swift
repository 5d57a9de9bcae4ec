import Foundation

/// The activation of the gated MLP `down(act(gate(x)) ⊙ up(x))` (Shazeer 2020, "GLU variants improve transformer").
public enum MLPActivation: String, Sendable, Codable, CaseIterable {
    /// SwiGLU: `silu(g) = g · σ(g)` (llama, qwen2).
    case silu
    /// GeGLU with the tanh approximation of GELU (Hendrycks & Gimpel 2016), PyTorch's `gelu(approximate="tanh")`
    /// (gemma3).
    case geluTanh
}

/// RoPE base and scale, and attention span, of one layer.
public struct LayerAttention: Sendable, Equatable {
    /// RoPE base θ of this layer (Su et al. 2021).
    public var ropeBase: Float
    /// Sliding-window attention (Beltagy et al. 2020, Longformer): a query at position p sees keys at positions
    /// `p - window + 1 ... p` (its own and the `window - 1` before it). Nil: every earlier position.
    public var window: Int?
    /// Divisor of this layer's RoPE frequencies (linear scaling, Chen et al. 2023, "position interpolation"): Gemma 3
    /// 4B and up scale their global layers by 8 and leave the sliding-window ones alone. 1: unscaled.
    public var ropeScale: Float

    public init(ropeBase: Float, window: Int? = nil, ropeScale: Float = 1) {
        self.ropeBase = ropeBase; self.window = window; self.ropeScale = ropeScale
    }
}

/// The ways an architecture's block differs from the llama block that `DecoderModel` computes by default. Options
/// that come with weights (q/k/v biases, post-norms, QK-norm) are switched on by those weights being present in
/// `DecoderLayerWeights`; the rest is here. `.llama` changes nothing.
public struct DecoderVariant: Sendable, Equatable {
    /// The gated MLP's activation.
    public var mlpActivation: MLPActivation
    /// Multiplies the token embeddings before the first block (gemma: `sqrt(d_model)`); nil: no scaling.
    /// The LM head still reads the unscaled embedding matrix when tied.
    public var embeddingScale: Float?
    /// Attention logit scale; nil: `1 / sqrt(head_dim)`.
    public var attentionScale: Float?
    /// Per-layer RoPE base and window, one entry per layer; empty: `config.ropeBase` and full causal attention
    /// everywhere.
    public var layers: [LayerAttention]
    /// Divisors of the RoPE frequencies, `[ropeDim / 2]`, in every layer (`RopeScaling`: Llama 3.x's
    /// `rope_freqs.weight`, linear scaling); empty: unscaled.
    public var ropeFrequencyFactors: [Float]

    public init(
        mlpActivation: MLPActivation = .silu, embeddingScale: Float? = nil, attentionScale: Float? = nil,
        layers: [LayerAttention] = [], ropeFrequencyFactors: [Float] = []
    ) {
        self.mlpActivation = mlpActivation; self.embeddingScale = embeddingScale
        self.attentionScale = attentionScale; self.layers = layers
        self.ropeFrequencyFactors = ropeFrequencyFactors
    }

    /// The plain llama block.
    public static let llama = DecoderVariant()

    /// Checks that the per-layer table and the RoPE factors fit a model of `config`.
    func validate(for config: ModelConfig) throws {
        let factors = ropeFrequencyFactors
        if !factors.isEmpty && (factors.count != config.ropeDim / 2 || !factors.allSatisfy({ $0.isFinite && $0 > 0 })) {
            throw InferenceError.invalidHyperParameter(
                key: "RoPE frequency factors", value: "\(factors.count) values",
                reason: "needs \(config.ropeDim / 2) positive finite factors, one per rotated pair")
        }
        if !layers.isEmpty && layers.count != config.nLayers {
            throw InferenceError.invalidHyperParameter(
                key: "layer attention table", value: "\(layers.count) entries",
                reason: "needs one entry per layer (\(config.nLayers))")
        }
        for (l, layer) in layers.enumerated() {
            if let w = layer.window, w < 1 {
                throw InferenceError.invalidHyperParameter(
                    key: "attention.sliding_window (layer \(l))", value: "\(w)",
                    reason: "must be at least 1")
            }
            if !(layer.ropeScale > 0 && layer.ropeScale.isFinite) {
                throw InferenceError.invalidHyperParameter(
                    key: "rope scale (layer \(l))", value: "\(layer.ropeScale)",
                    reason: "must be positive and finite")
            }
            if !(layer.ropeBase > 1) {
                throw InferenceError.invalidHyperParameter(
                    key: "rope base (layer \(l))", value: "\(layer.ropeBase)",
                    reason: "must be greater than 1")
            }
        }
    }

    /// The attention span of `layer` (falls back to `config.ropeBase` and full attention).
    func attention(layer: Int, config: ModelConfig) -> LayerAttention {
        layers.isEmpty ? LayerAttention(ropeBase: config.ropeBase) : layers[layer]
    }
}
