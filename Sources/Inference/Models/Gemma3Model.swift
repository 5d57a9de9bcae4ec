import Foundation
import GGUF

/// The `gemma3` architecture, text decoder (Gemma Team 2025, "Gemma 3 Technical Report"; also Gemma 3 270M/1B):
/// the block of `DecoderModel` configured by `DecoderVariant` and four extra weights per layer:
/// - token embeddings × `sqrt(d_model)` (a float32 value, 25.2982… for 640); the tied LM head reads them unscaled;
/// - "sandwich" RMSNorms: `h = x + post_attn_norm(attn(attn_norm(x)))`, `out = h + post_ffw_norm(mlp(ffn_norm(h)))`.
///   Every norm multiplies by its GGUF weight as stored: llama.cpp's converter already wrote HF's `1 + w`;
/// - QK-norm: RMSNorm over each head's `head_dim` values of q and k (`attn_q_norm`, `attn_k_norm`) before RoPE;
/// - NeoX (rotate-half) RoPE on weights used as stored, base `rope.freq_base` (1e6) on global layers and 10,000
///   (`rope.freq_base_swa` when the file has it) on sliding layers;
/// - sliding-window attention (`attention.sliding_window` = 512 positions, the query's own included) on every layer
///   except each 6th (layers 5, 11, 17 of 18 attend to every earlier position), as HF's `layer_types` and
///   llama.cpp's hard-coded pattern;
/// - attention scale `query_pre_attn_scalar^-0.5` (`attention.query_pre_attn_scalar` when present, else head_dim),
///   head_dim independent of d_model / heads (256 vs 640 / 4), multi-query attention (1 KV head);
/// - GeGLU MLP `down(gelu_tanh(gate(x)) ⊙ up(x))`; no logit soft-capping (the gemma2 keys are refused).
///
/// Hooks (TransformerLens names, same meaning as for llama): `hook_embed` and `blocks.0.hook_resid_pre` hold the
/// scaled embeddings; `ln1/ln2.hook_normalized` the outputs of `attn_norm`/`ffn_norm`; `attn.hook_q/k/v` the
/// projections before QK-norm and RoPE; `hook_attn_out` and `hook_mlp_out` what is added to the residual stream,
/// i.e. after `post_attention_norm` / `post_ffw_norm` (as TransformerLens' `use_normalization_before_and_after`);
/// `hook_resid_mid = resid_pre + hook_attn_out`, `hook_resid_post = resid_mid + hook_mlp_out`;
/// `mlp.hook_pre` the gate projection before GELU, `mlp.hook_post` `gelu_tanh(gate) ⊙ up`.
public enum Gemma3Model {
    /// Every `slidingWindowPattern`-th layer (1-based) is global; llama.cpp hard-codes 6 for gemma3.
    static let defaultSlidingWindowPattern = 6
    /// RoPE base of the sliding layers when the file does not say (HF `rope_local_base_freq`).
    static let defaultLocalRopeBase: Float = 10_000

    /// Loads a gemma3 model from an open GGUF file. With `decodeMode` other than `.float32`, single-token steps
    /// use the quantised kernels where the tensor type has one and F32 sgemv on the dequantised weights otherwise.
    public static func load(
        from file: GGUFFile, decodeMode: DecodeMode = .quantized,
        storage: WeightStorage = .mapped
    ) throws -> DecoderModel {
        let config = try ModelConfig.llamaFamily(from: file)
        try config.validate()
        let variant = try variant(from: file, config: config)
        var weights = try DecoderWeights.load(from: file, config: config, storage: storage)
        let d = config.dModel, hd = config.headDim
        for l in 0..<config.nLayers {
            let p = "blk.\(l)."
            weights.layers[l].postAttnNorm = try DecoderWeights.tensor(p + "post_attention_norm.weight", [d], in: file)
            weights.layers[l].postFFNNorm = try DecoderWeights.tensor(p + "post_ffw_norm.weight", [d], in: file)
            weights.layers[l].qNorm = try DecoderWeights.tensor(p + "attn_q_norm.weight", [hd], in: file)
            weights.layers[l].kNorm = try DecoderWeights.tensor(p + "attn_k_norm.weight", [hd], in: file)
        }
        return try DecoderModel(
            config: config, weights: weights, interleavedRope: false, decodeMode: decodeMode,
            variant: variant)
    }

    /// The gemma3 settings of the shared decoder, from `file`'s metadata and the architecture's fixed choices.
    public static func variant(from file: GGUFFile, config: ModelConfig) throws -> DecoderVariant {
        let arch = config.architecture
        for key in ["\(arch).attn_logit_softcapping", "\(arch).final_logit_softcapping"] {
            if let cap = try file.optionalHyperParameter(key, file.optionalFloat), cap != 0 {
                throw InferenceError.invalidHyperParameter(
                    key: key, value: "\(cap)", reason: "logit soft-capping (gemma2) is not implemented for gemma3")
            }
        }
        // Linear scaling applies to the global layers only (Gemma 3 4B and up: factor 8); RopeScaling reads it.
        let globalScale = try RopeScaling.linearFactor(from: file, architecture: arch)
        guard let window = try? file.int("\(arch).attention.sliding_window") else {  // required: "missing or mistyped"
            throw InferenceError.missingMetadata(key: "\(arch).attention.sliding_window", path: file.path)
        }
        let pattern =
            try file.optionalHyperParameter("\(arch).attention.sliding_window_pattern", file.optionalInt)
            ?? defaultSlidingWindowPattern
        guard pattern >= 1 else {
            throw InferenceError.invalidHyperParameter(
                key: "\(arch).attention.sliding_window_pattern", value: "\(pattern)",
                reason: "must be at least 1")
        }
        let localBase =
            try file.optionalHyperParameter("\(arch).rope.freq_base_swa", file.optionalFloat) ?? defaultLocalRopeBase
        let scalar =
            try file.optionalHyperParameter("\(arch).attention.query_pre_attn_scalar", file.optionalFloat)
            ?? Float(config.headDim)
        guard scalar > 0 else {
            throw InferenceError.invalidHyperParameter(
                key: "\(arch).attention.query_pre_attn_scalar", value: "\(scalar)",
                reason: "must be positive")
        }
        let layers = (0..<config.nLayers).map { l in
            (l + 1) % pattern == 0
                ? LayerAttention(ropeBase: config.ropeBase, ropeScale: globalScale)
                : LayerAttention(ropeBase: localBase, window: window)
        }
        let variant = DecoderVariant(
            mlpActivation: .geluTanh,
            embeddingScale: Float(Double(config.dModel).squareRoot()),
            attentionScale: Float(1 / Double(scalar).squareRoot()), layers: layers)
        try variant.validate(for: config)
        return variant
    }
}
