import Foundation
import GGUF
import Testing
@testable import Inference

/// Tiny random-weight llama models written with GGUFWriter and loaded back through the real loading path.
@Suite("Tiny GGUF models")
struct TinyGGUFModelTests {
    /// Writes `weights` of `config` as a llama GGUF (GGUF names; norms F32, the matrices `matrixType`: F32, F16 or
    /// BF16); `mutate` can break it.
    static func write(
        _ config: ModelConfig, _ weights: DecoderWeights, arch: String = "llama",
        skip: Set<String> = [], matrixType: GGMLType = .f32, mutate: (inout GGUFWriter) throws -> Void = { _ in }
    ) throws -> String {
        var w = GGUFWriter()
        w.set("general.architecture", .string(arch))
        w.set("general.name", .string("tiny-test"))
        w.set("\(arch).block_count", .uint32(UInt32(config.nLayers)))
        w.set("\(arch).embedding_length", .uint32(UInt32(config.dModel)))
        w.set("\(arch).feed_forward_length", .uint32(UInt32(config.dFF)))
        w.set("\(arch).attention.head_count", .uint32(UInt32(config.nHeads)))
        w.set("\(arch).attention.head_count_kv", .uint32(UInt32(config.nKVHeads)))
        w.set("\(arch).context_length", .uint32(UInt32(config.contextLength)))
        w.set("\(arch).rope.freq_base", .float32(config.ropeBase))
        w.set("\(arch).attention.layer_norm_rms_epsilon", .float32(config.rmsEpsilon))
        func add(_ name: String, _ b: FloatBuffer, _ dims: [Int], type: GGMLType = .f32) throws {
            if !skip.contains(name) { try w.addTensor(name: name, dimensions: dims, values: b.array(), type: type) }
        }
        let d = config.dModel
        try add("token_embd.weight", weights.tokenEmbedding.weight, [d, config.vocabSize], type: matrixType)
        for (l, layer) in weights.layers.enumerated() {
            let p = "blk.\(l)."
            try add(p + "attn_norm.weight", layer.attnNorm, [d])
            for (name, m) in [
                ("attn_q", layer.q), ("attn_k", layer.k), ("attn_v", layer.v), ("attn_output", layer.o),
                ("ffn_gate", layer.gate), ("ffn_up", layer.up), ("ffn_down", layer.down),
            ] {
                try add(p + name + ".weight", m.weight, [m.cols, m.rows], type: matrixType)
            }
            try add(p + "ffn_norm.weight", layer.ffnNorm, [d])
        }
        try add("output_norm.weight", weights.outputNorm, [d])
        if !config.tiedEmbeddings {
            try add("output.weight", weights.output.weight, [d, config.vocabSize], type: matrixType)
        }
        try mutate(&w)
        let path = TestPaths.temporaryFile("tiny.gguf")
        try w.write(to: path)
        return path
    }

    @Test(
        "a model loaded from a written GGUF computes exactly what the in-memory weights compute",
        arguments: [true, false])
    func roundTrip(tied: Bool) throws {
        let config = tinyConfig(tied: tied)
        let weights = DecoderWeights.random(config: config, seed: 21)
        let path = try Self.write(config, weights)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try LlamaModel.load(from: GGUFFile(path: path))
        var expected = config
        expected.name = "tiny-test"
        #expect(loaded.config == expected)
        let reference = try DecoderModel(config: config, weights: weights)
        let seqs: [[Int32]] = [[1, 2, 3, 4, 5], [9, 8]]
        try expectIdenticalRuns(loaded, reference, seqs, nLayers: 3)
    }

    @Test("an unsupported architecture is an error that lists the supported ones")
    func unsupported() throws {
        let config = tinyConfig()
        let path = try Self.write(config, .random(config: config, seed: 1), arch: "mamba")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(
            throws: InferenceError.unsupportedArchitecture("mamba", supported: ["gemma3", "llama", "qwen2", "qwen3"])
        ) {
            try ArchitectureRegistry.makeModel(from: GGUFFile(path: path))
        }
        #expect(throws: InferenceError.self) { try ArchitectureRegistry.hookNames(for: GGUFFile(path: path)) }
    }

    @Test("a missing tensor, a wrong shape or a missing hyper-parameter is a clear error")
    func brokenFiles() throws {
        let config = tinyConfig()
        let weights = DecoderWeights.random(config: config, seed: 2)
        let missing = try Self.write(config, weights, skip: ["blk.1.ffn_up.weight"])
        defer { try? FileManager.default.removeItem(atPath: missing) }
        #expect(throws: InferenceError.missingTensor(name: "blk.1.ffn_up.weight", path: missing)) {
            try LlamaModel.load(from: GGUFFile(path: missing))
        }
        let misshapen = try Self.write(config, weights, skip: ["blk.0.attn_k.weight"]) { w in
            try w.addTensor(
                name: "blk.0.attn_k.weight", dimensions: [32, 8], values: [Float](repeating: 0, count: 256))
        }
        defer { try? FileManager.default.removeItem(atPath: misshapen) }
        #expect(
            throws: InferenceError.tensorShapeMismatch(
                name: "blk.0.attn_k.weight", expected: [32, 16], found: [32, 8])
        ) {
            try LlamaModel.load(from: GGUFFile(path: misshapen))
        }
        let badHeads = try Self.write(config, weights) { w in w.set("llama.attention.head_count_kv", .uint32(3)) }
        defer { try? FileManager.default.removeItem(atPath: badHeads) }
        #expect(throws: InferenceError.self) { try LlamaModel.load(from: GGUFFile(path: badHeads)) }
        let noEps = try Self.write(config, weights) { w in w.set("llama.attention.layer_norm_rms_epsilon", .string("x"))
        }
        defer { try? FileManager.default.removeItem(atPath: noEps) }
        #expect(throws: InferenceError.missingMetadata(key: "llama.attention.layer_norm_rms_epsilon", path: noEps)) {
            try LlamaModel.load(from: GGUFFile(path: noEps))
        }
    }
}
