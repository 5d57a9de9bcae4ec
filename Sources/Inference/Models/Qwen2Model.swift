import Foundation
import GGUF

/// The `qwen2` architecture (Qwen Team 2024, Qwen2 technical report; also Qwen2.5 and Qwen2.5-Coder): the llama
/// block of `DecoderModel` with three differences, all read from the GGUF file:
/// - the q, k and v projections have biases (`blk.{l}.attn_{q,k,v}.bias`, F32), added before RoPE;
/// - RoPE is NeoX style (rotate-half pairs (i, i + d/2)) on q/k weights used as stored: llama.cpp's converter
///   permutes q/k rows only for llama, so the interleaved-pair trick of the llama GGUF convention does not apply;
/// - the LM head is `output.weight` when the file has one (it is not the token embedding re-used), else tied;
/// - RoPE scaling as for llama (`RopeScaling`; YaRN, which Qwen documents for contexts past 32K, is refused).
public enum Qwen2Model {
    /// Loads a qwen2 model from an open GGUF file as a `DecoderModel` with biases and NeoX RoPE. With
    /// `decodeMode` other than `.float32`, single-token steps use the quantised kernels where the tensor type has
    /// one (`QuantizedMatrix.supportedTypes`) and F32 sgemv on the dequantised weights otherwise.
    public static func load(
        from file: GGUFFile, decodeMode: DecodeMode = .quantized,
        storage: WeightStorage = .mapped
    ) throws -> DecoderModel {
        try DecoderModel.llamaFamily(from: file, decodeMode: decodeMode, storage: storage, interleavedRope: false) {
            weights, config in
            let qDim = config.nHeads * config.headDim, kvDim = config.nKVHeads * config.headDim
            for l in 0..<config.nLayers {
                let p = "blk.\(l)."
                weights.layers[l].qBias = try DecoderWeights.tensor(p + "attn_q.bias", [qDim], in: file)
                weights.layers[l].kBias = try DecoderWeights.tensor(p + "attn_k.bias", [kvDim], in: file)
                weights.layers[l].vBias = try DecoderWeights.tensor(p + "attn_v.bias", [kvDim], in: file)
            }
        }
    }
}
