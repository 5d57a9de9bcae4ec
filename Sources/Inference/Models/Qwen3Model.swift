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
        try DecoderModel.llamaFamily(from: file, decodeMode: decodeMode, storage: storage, interleavedRope: false) {
            weights, config in
            for l in 0..<config.nLayers {
                let p = "blk.\(l).", width = [config.headDim]
                weights.layers[l].qNorm = try DecoderWeights.tensor(p + "attn_q_norm.weight", width, in: file)
                weights.layers[l].kNorm = try DecoderWeights.tensor(p + "attn_k_norm.weight", width, in: file)
            }
        }
    }
}
