import Foundation
import GGUF

/// RoPE frequency scaling read from a GGUF file, as llama.cpp applies it (`ggml_rope_ext`: θᵢ = p · base^(−2i/d) ·
/// freq_scale / freq_factorᵢ):
/// - `rope_freqs.weight` (F32, one factor per rotated pair): Llama 3.1/3.2's long-context scaling (Meta's "llama3"
///   rope_scaling, baked into per-frequency factors by llama.cpp's converter);
/// - `{arch}.rope.scaling.type` `linear` with `{arch}.rope.scaling.factor` (position interpolation, Chen et al. 2023):
///   every frequency divided by the factor.
/// Other scaling types (YaRN, LongRoPE) are refused at load, naming the key, rather than run unscaled. Gemma 3
/// scales only its global layers (`Gemma3Model`).
enum RopeScaling {
    /// The divisor of each RoPE frequency (`[ropeDim / 2]`), or an empty array when the file scales nothing.
    static func frequencyFactors(from file: GGUFFile, config: ModelConfig) throws -> [Float] {
        let linear = try linearFactor(from: file, architecture: config.architecture), pairs = config.ropeDim / 2
        var factors = [Float](repeating: 1, count: pairs)
        if let info = file.tensor(named: "rope_freqs.weight") {
            let values = try DecoderWeights.tensor(info.name, [pairs], in: file).array()
            if let bad = values.first(where: { !($0.isFinite && $0 > 0) }) {
                throw InferenceError.invalidHyperParameter(
                    key: "rope_freqs.weight", value: "\(bad)", reason: "every factor must be positive and finite")
            }
            factors = values
        }
        factors = factors.map { $0 * linear }
        return factors.allSatisfy { $0 == 1 } ? [] : factors
    }

    /// The linear scaling factor (1 when the file states none); throws for a type that is not implemented.
    static func linearFactor(from file: GGUFFile, architecture arch: String) throws -> Float {
        let typeKey = "\(arch).rope.scaling.type", factorKey = "\(arch).rope.scaling.factor"
        switch try file.optionalHyperParameter(typeKey, file.optionalString) {
        case nil, "none":
            return 1
        case "linear":
            guard let factor = try file.optionalHyperParameter(factorKey, file.optionalFloat) else {
                throw InferenceError.missingMetadata(key: factorKey, path: file.path)
            }
            guard factor.isFinite, factor > 0 else {
                throw InferenceError.invalidHyperParameter(
                    key: factorKey, value: "\(factor)", reason: "must be positive and finite")
            }
            return factor
        case let other?:
            throw InferenceError.invalidHyperParameter(
                key: typeKey, value: other,
                reason: "RoPE scaling \"\(other)\" is not implemented (supported: none, linear, and per-frequency "
                    + "factors in rope_freqs.weight as Llama 3.1/3.2 GGUFs carry); running it unscaled would be wrong")
        }
    }
}
