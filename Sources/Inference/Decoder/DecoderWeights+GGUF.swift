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

    /// Dequantises every llama tensor of `file` to F32 once, checking each shape against `config`.
    public static func load(from file: GGUFFile, config c: ModelConfig) throws -> DecoderWeights {
        func tensor(_ name: String, _ dims: [Int]) throws -> FloatBuffer { try Self.tensor(name, dims, in: file) }
        // GGUF dims are ne0 first: a [rows, cols] matrix is stored as dims [cols, rows].
        func linear(_ name: String, rows: Int, cols: Int) throws -> LinearWeight {
            let weight = try tensor(name, [cols, rows])
            let quantized = file.tensor(named: name).flatMap { QuantizedMatrix(file: file, tensor: $0) }
            return LinearWeight(weight: weight, rows: rows, cols: cols, quantized: quantized)
        }
        let d = c.dModel, qDim = c.nHeads * c.headDim, kvDim = c.nKVHeads * c.headDim
        var layers: [DecoderLayerWeights] = []
        for l in 0..<c.nLayers {
            let p = "blk.\(l)."
            layers.append(DecoderLayerWeights(
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
        return DecoderWeights(tokenEmbedding: embd, layers: layers, outputNorm: try tensor("output_norm.weight", [d]),
                            output: output)
    }
}
