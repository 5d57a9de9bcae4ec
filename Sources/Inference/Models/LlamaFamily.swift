import Foundation
import GGUF

extension DecoderModel {
    /// A model with the llama family's layout (`ModelConfig.llamaFamily`, `DecoderWeights.load`): the plain llama
    /// block's weights, then `extra` adds an architecture's own tensors (qwen2's biases, qwen3's QK-norm), with RoPE
    /// scaling as the file states it (`RopeScaling`). `interleavedRope`: the llama GGUF convention (see `LlamaModel`).
    static func llamaFamily(
        from file: GGUFFile, decodeMode: DecodeMode, storage: WeightStorage, interleavedRope: Bool,
        extra: (inout DecoderWeights, ModelConfig) throws -> Void = { _, _ in }
    ) throws -> DecoderModel {
        let config = try ModelConfig.llamaFamily(from: file)
        try config.validate()
        var weights = try DecoderWeights.load(from: file, config: config, storage: storage)
        try extra(&weights, config)
        let variant = DecoderVariant(ropeFrequencyFactors: try RopeScaling.frequencyFactors(from: file, config: config))
        return try DecoderModel(
            config: config, weights: weights, interleavedRope: interleavedRope, decodeMode: decodeMode,
            variant: variant)
    }
}
