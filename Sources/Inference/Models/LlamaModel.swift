import Foundation
import GGUF

/// The `llama` architecture (Touvron et al. 2023, "LLaMA: Open and Efficient Foundation Language Models"; also
/// SmolLM2, TinyLlama, Llama 3.x): the plain block of `DecoderModel` (`DecoderVariant.llama`).
///
/// What makes it different from the other architectures, as stored in GGUF:
/// - weights: `blk.{l}.{attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down}`,
///   `token_embd`, `output_norm` and `output` (absent when the LM head is tied to the embedding); no biases;
/// - RoPE: llama.cpp's converter permutes the q/k rows, so rotating interleaved pairs (2i, 2i+1) on the stored
///   weights equals HF's rotate-half on the original ones (see ../shared/golden/README.md);
/// - SwiGLU MLP, attention scale `1 / sqrt(head_dim)`, full causal attention on every layer;
/// - RoPE scaling as the file states it (`RopeScaling`: Llama 3.1/3.2's `rope_freqs.weight`, linear).
///
/// Hooks (TransformerLens names): `hook_embed` the embedding rows; `ln1/ln2.hook_normalized` the outputs of
/// `attn_norm`/`ffn_norm`; `attn.hook_q/k/v` the projections before RoPE; `attn.hook_z` the per-head attention
/// outputs before `attn_output`; `hook_attn_out`/`hook_mlp_out` what is added to the residual stream;
/// `mlp.hook_pre` the gate projection before SiLU, `mlp.hook_post` `silu(gate) ⊙ up`.
public enum LlamaModel {
    /// Loads a llama-architecture model from an open GGUF file (matrices left in the mapping unless `storage` is
    /// `.float32`). With `decodeMode` other than `.float32`, single-token steps read quantised blocks directly.
    public static func load(
        from file: GGUFFile, decodeMode: DecodeMode = .quantized,
        storage: WeightStorage = .mapped
    ) throws -> DecoderModel {
        try DecoderModel.llamaFamily(from: file, decodeMode: decodeMode, storage: storage, interleavedRope: true)
    }
}
