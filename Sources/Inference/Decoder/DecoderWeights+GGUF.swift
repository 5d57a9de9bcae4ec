import Foundation
import GGUF

extension DecoderWeights {
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

    /// The weights of `file` for `config`, checking each shape. Matrices stay in the file's mapping (`.mapped`,
    /// the default) or are dequantised to float32 once (`.float32`); vectors (norms, biases) are copied as float32.
    /// First checks that the model fits in memory (`MemoryBudget`, against `available`, default: what the machine
    /// has now) and throws `InferenceError.insufficientMemory` before reading any weight when it does not.
    public static func load(
        from file: GGUFFile, config c: ModelConfig, storage: WeightStorage = .mapped,
        available: Int? = MemoryBudget.availableBytes()
    ) throws -> DecoderWeights {
        if ProcessInfo.processInfo.environment["POLYGRAPH_SKIP_MEMORY_CHECK"] == nil {
            try MemoryBudget(file: file, config: c, storage: storage).check(
                available: available, path: file.path,
                storage: storage)
        }
        func tensor(_ name: String, _ dims: [Int]) throws -> FloatBuffer { try Self.tensor(name, dims, in: file) }
        // GGUF dims are ne0 first: a [rows, cols] matrix is stored as dims [cols, rows].
        func linear(_ name: String, rows: Int, cols: Int) throws -> LinearWeight {
            guard let info = file.tensor(named: name) else {
                throw InferenceError.missingTensor(name: name, path: file.path)
            }
            let quantized = QuantizedMatrix(file: file, tensor: info)
            if storage == .mapped, info.dimensions == [cols, rows], let mapped = MappedMatrix(file: file, tensor: info)
            {
                return LinearWeight(mapped: mapped, quantized: quantized)
            }
            // float32 storage, or a tensor that cannot be read in place (the shape check throws here when wrong).
            return LinearWeight(weight: try tensor(name, [cols, rows]), rows: rows, cols: cols, quantized: quantized)
        }
        let d = c.dModel, qDim = c.nHeads * c.headDim, kvDim = c.nKVHeads * c.headDim
        var layers: [DecoderLayerWeights] = []
        for l in 0..<c.nLayers {
            let p = "blk.\(l)."
            layers.append(
                DecoderLayerWeights(
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
        let embd = try linear("token_embd.weight", rows: c.vocabSize, cols: d)
        let output = c.tiedEmbeddings ? embd : try linear("output.weight", rows: c.vocabSize, cols: d)
        return DecoderWeights(
            tokenEmbedding: embd, layers: layers, outputNorm: try tensor("output_norm.weight", [d]),
            output: output)
    }
}
