import Hooks
import Foundation
import GGUF
import Testing
@testable import Inference

/// Tiny random-weight qwen2 models: the q/k/v bias and NeoX RoPE path, written as GGUF and loaded by the registry.
@Suite("Tiny qwen2 models")
struct Qwen2TinyModelTests {
    /// A tiny qwen2 config (untied head, like the real file) and random weights with random q/k/v biases.
    static func model(seed: UInt64) -> (ModelConfig, DecoderWeights) {
        var config = tinyConfig(layers: 3, tied: false)
        config.architecture = "qwen2"
        var weights = DecoderWeights.random(config: config, seed: seed)
        var rng = SeededGenerator(state: seed &+ 1)
        func bias(_ n: Int) -> FloatBuffer {
            let b = FloatBuffer(count: n)
            for i in 0..<n { b[i] = 0.5 * rng.nextSymmetric() }
            return b
        }
        let qDim = config.nHeads * config.headDim, kvDim = config.nKVHeads * config.headDim
        for l in weights.layers.indices {
            weights.layers[l].qBias = bias(qDim); weights.layers[l].kBias = bias(kvDim);
            weights.layers[l].vBias = bias(kvDim)
        }
        return (config, weights)
    }

    /// Writes the model as a qwen2 GGUF, biases included unless listed in `skipBiases`.
    static func write(_ config: ModelConfig, _ weights: DecoderWeights, skipBiases: Set<String> = []) throws -> String {
        try TinyGGUFModelTests.write(config, weights, arch: "qwen2") { w in
            for (l, layer) in weights.layers.enumerated() {
                for (name, b) in [("attn_q", layer.qBias), ("attn_k", layer.kBias), ("attn_v", layer.vBias)] {
                    let full = "blk.\(l).\(name).bias"
                    if let b, !skipBiases.contains(full) {
                        try w.addTensor(name: full, dimensions: [b.count], values: b.array())
                    }
                }
            }
        }
    }

    @Test("a qwen2 GGUF loads through the registry with biases and NeoX RoPE and computes what the weights compute")
    func roundTrip() throws {
        let (config, weights) = Self.model(seed: 31)
        let path = try Self.write(config, weights)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try #require(try ArchitectureRegistry.makeModel(from: GGUFFile(path: path)) as? DecoderModel)
        #expect(!loaded.interleavedRope && loaded.config.architecture == "qwen2" && !loaded.config.tiedEmbeddings)
        let reference = try DecoderModel(config: config, weights: weights, interleavedRope: false)
        let seqs: [[Int32]] = [[1, 2, 3, 4, 5, 6], [9, 8, 7]]
        try expectIdenticalRuns(loaded, reference, seqs, nLayers: 3)
    }

    @Test("hook_q/k/v include the biases, resid_post of layer l is resid_pre of l+1, and biases and RoPE style matter")
    func biasesAndRope() throws {
        let (config, weights) = Self.model(seed: 5)
        let model = try DecoderModel(config: config, weights: weights, interleavedRope: false)
        let tokens: [Int32] = [3, 14, 15, 9, 2, 6]
        let r = try model.run([tokens], capture: .all(nLayers: 3), logits: .all)[0]
        for l in 0..<(config.nLayers - 1) {
            #expect(r.activations(.residPost(l)) == r.activations(.block(l + 1, .residPre)))
        }
        // hook_q = ln1(x) · W_Qᵀ + b_Q, row by row (before RoPE, as TransformerLens).
        let l = 1, layer = weights.layers[l], qDim = config.nHeads * config.headDim, d = config.dModel
        let xn = try #require(r.activations(.block(l, .ln1Normalized)))
        let q = try #require(r.activations(.block(l, .attnQ)))
        let bq = try #require(layer.qBias)
        var worst: Float = 0
        for t in tokens.indices {
            for o in 0..<qDim {
                var sum: Float = 0
                for i in 0..<d { sum += xn[t * d + i] * layer.q.weight[o * d + i] }
                worst = max(worst, abs(sum + bq[o] - q[t * qDim + o]))
            }
        }
        #expect(worst < 1e-4)
        // Without biases or with interleaved RoPE the logits move.
        var plain = weights
        for i in plain.layers.indices {
            plain.layers[i].qBias = nil; plain.layers[i].kBias = nil; plain.layers[i].vBias = nil
        }
        let noBias = try DecoderModel(config: config, weights: plain, interleavedRope: false).run(
            [tokens], capture: .none, logits: .all)[0]
        let interleaved = try DecoderModel(config: config, weights: weights).run(
            [tokens], capture: .none, logits: .all)[0]
        let logits = try #require(r.allLogits)
        #expect(compare(try #require(noBias.allLogits), logits).maxAbsDiff > 1e-2)
        #expect(compare(try #require(interleaved.allLogits), logits).maxAbsDiff > 1e-2)
        // Position 0 is not rotated: the first token's logits do not depend on the RoPE style.
        let v = config.vocabSize
        #expect(compare(Array(try #require(interleaved.allLogits)[..<v]), Array(logits[..<v])).maxAbsDiff < 1e-5)
    }

    @Test("a qwen2 file without a q/k/v bias is a clear missing-tensor error")
    func missingBias() throws {
        let (config, weights) = Self.model(seed: 8)
        let path = try Self.write(config, weights, skipBiases: ["blk.2.attn_k.bias"])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: InferenceError.missingTensor(name: "blk.2.attn_k.bias", path: path)) {
            try ArchitectureRegistry.makeModel(from: GGUFFile(path: path))
        }
    }
}
