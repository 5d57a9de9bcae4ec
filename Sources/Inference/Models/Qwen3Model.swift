import Foundation
import GGUF

/// The `qwen3` architecture (Qwen Team 2025, Qwen3 technical report): the qwen2 block without the q/k/v biases and
/// with QK-norm, all read from the GGUF file:
/// - RMSNorm over each query and key head before RoPE (`blk.{l}.attn_{q,k}_norm.weight`, `[head_dim]`), as gemma3;
/// - the head width is `attention.key_length` (128 in every Qwen3 size), not `embedding_length / head_count`;
/// - NeoX RoPE on q/k as stored, SwiGLU MLP, the LM head `output.weight` or tied, as qwen2.
public enum Qwen3Model {
    /// Loads a qwen3 model from an open GGUF file as a `DecoderModel` with QK-norm and NeoX RoPE.
    public static func load(
        from file: GGUFFile, decodeMode: DecodeMode = .quantized,
        storage: WeightStorage = .mapped
    ) throws -> DecoderModel {
        let config = try ModelConfig.llamaFamily(from: file)
        try config.validate()
        var weights = try DecoderWeights.load(from: file, config: config, storage: storage)
        for l in 0..<config.nLayers {
            let p = "blk.\(l)."
            weights.layers[l].qNorm = try DecoderWeights.tensor(p + "attn_q_norm.weight", [config.headDim], in: file)
            weights.layers[l].kNorm = try DecoderWeights.tensor(p + "attn_k_norm.weight", [config.headDim], in: file)
        }
        let variant = DecoderVariant(ropeFrequencyFactors: try RopeScaling.frequencyFactors(from: file, config: config))
        return try DecoderModel(
            config: config, weights: weights, interleavedRope: false, decodeMode: decodeMode, variant: variant)
    }
}
