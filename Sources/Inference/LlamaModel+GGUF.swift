import Foundation
import GGUF

extension ModelConfig {
    /// Reads the `{arch}.*` hyper-parameters of a llama-family GGUF file.
    public static func llamaFamily(from file: GGUFFile) throws -> ModelConfig {
        let arch = try file.string("general.architecture")
        func int(_ key: String) throws -> Int {
            guard let v = try? file.int("\(arch).\(key)") else {
                throw InferenceError.missingMetadata(key: "\(arch).\(key)", path: file.path)
            }
            return v
        }
        let dModel = try int("embedding_length")
        let nHeads = try int("attention.head_count")
        let nKV = (try? file.int("\(arch).attention.head_count_kv")) ?? nHeads
        guard nHeads > 0 else {
            throw InferenceError.invalidHyperParameter(key: "\(arch).attention.head_count", value: "\(nHeads)",
                                                       reason: "must be positive")
        }
        let headDim = (try? file.int("\(arch).attention.key_length")) ?? dModel / nHeads
        let embd = try file.requireTensor(named: "token_embd.weight")
        let vocab = embd.dimensions.count == 2 ? embd.dimensions[1] : 0
        let name = (try? file.string("general.name"))
            ?? URL(fileURLWithPath: file.path).deletingPathExtension().lastPathComponent
        let eps: Float
        do { eps = try file.float("\(arch).attention.layer_norm_rms_epsilon") } catch {
            throw InferenceError.missingMetadata(key: "\(arch).attention.layer_norm_rms_epsilon", path: file.path)
        }
        return ModelConfig(
            architecture: arch, name: name, nLayers: try int("block_count"), dModel: dModel, nHeads: nHeads,
            nKVHeads: nKV, headDim: headDim, dFF: try int("feed_forward_length"), vocabSize: vocab,
            contextLength: try int("context_length"),
            ropeBase: (try? file.float("\(arch).rope.freq_base")) ?? 10000,
            ropeDim: (try? file.int("\(arch).rope.dimension_count")) ?? headDim,
            rmsEpsilon: eps, tiedEmbeddings: file.tensor(named: "output.weight") == nil)
    }
}

extension LlamaWeights {
    /// The required tensor `name` of `file` dequantised to F32, after checking its GGUF dims (ne0 first).
    static func tensor(_ name: String, _ dims: [Int], in file: GGUFFile) throws -> FloatBuffer {
        guard let info = file.tensor(named: name) else {
            throw InferenceError.missingTensor(name: name, path: file.path)
        }
        guard info.dimensions == dims else {
            throw InferenceError.tensorShapeMismatch(name: name, expected: dims, found: info.dimensions)
        }
        let buffer = FloatBuffer(count: info.elementCount)
        try file.dequantize(info, into: buffer.pointer)
        return buffer
    }

    /// Dequantises every llama tensor of `file` to F32 once, checking each shape against `config`.
    public static func load(from file: GGUFFile, config c: ModelConfig) throws -> LlamaWeights {
        func tensor(_ name: String, _ dims: [Int]) throws -> FloatBuffer { try Self.tensor(name, dims, in: file) }
        // GGUF dims are ne0 first: a [rows, cols] matrix is stored as dims [cols, rows].
        func linear(_ name: String, rows: Int, cols: Int) throws -> LinearWeight {
            let weight = try tensor(name, [cols, rows])
            let quantized = file.tensor(named: name).flatMap { QuantizedMatrix(file: file, tensor: $0) }
            return LinearWeight(weight: weight, rows: rows, cols: cols, quantized: quantized)
        }
        let d = c.dModel, qDim = c.nHeads * c.headDim, kvDim = c.nKVHeads * c.headDim
        var layers: [LlamaLayerWeights] = []
        for l in 0..<c.nLayers {
            let p = "blk.\(l)."
            layers.append(LlamaLayerWeights(
                attnNorm: try tensor(p + "attn_norm.weight", [d]),
                q: try linear(p + "attn_q.weight", rows: qDim, cols: d),
                k: try linear(p + "attn_k.weight", rows: kvDim, cols: d),
                v: try linear(p + "attn_v.weight", rows: kvDim, cols: d),
                o: try linear(p + "attn_output.weight", rows: d, cols: qDim),
                ffnNorm: try tensor(p + "ffn_norm.weight", [d]),
                gate: try linear(p + "ffn_gate.weight", rows: c.dFF, cols: d),
                up: try linear(p + "ffn_up.weight", rows: c.dFF, cols: d),
                down: try linear(p + "ffn_down.weight", rows: d, cols: c.dFF)))
        }
        let embd = try tensor("token_embd.weight", [d, c.vocabSize])
        let embdQuantized = file.tensor(named: "token_embd.weight").flatMap { QuantizedMatrix(file: file, tensor: $0) }
        let output = c.tiedEmbeddings ? LinearWeight(weight: embd, rows: c.vocabSize, cols: d, quantized: embdQuantized)
                                      : try linear("output.weight", rows: c.vocabSize, cols: d)
        return LlamaWeights(tokenEmbedding: embd, layers: layers, outputNorm: try tensor("output_norm.weight", [d]),
                            output: output)
    }
}

extension LlamaModel {
    /// Loads a llama-architecture model from an open GGUF file (weights dequantised to F32 once). With
    /// `decodeMode` other than `.float32`, single-token steps read Q4_0/Q4_1/Q8_0 matrices in their GGUF blocks.
    public static func load(from file: GGUFFile, decodeMode: DecodeMode = .quantized) throws -> LlamaModel {
        let config = try ModelConfig.llamaFamily(from: file)
        try config.validate()
        return try LlamaModel(config: config, weights: LlamaWeights.load(from: file, config: config),
                              decodeMode: decodeMode)
    }
}
