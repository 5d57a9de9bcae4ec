import Foundation
import Hooks
import GGUF
import Testing
@testable import Inference

/// Tiny random-weight gemma3 models: the sandwich norms, QK-norm, per-layer RoPE, sliding window, GeGLU and scaled
/// embeddings of `Gemma3Model`, written as GGUF, loaded by the registry and checked against `naiveGemma3`.
@Suite("Tiny gemma3 models")
struct Gemma3TinyModelTests {
    /// Six layers (0–4 sliding, 5 global, as the 6-layer pattern), head_dim 16 ≠ d_model / heads = 8, one KV head.
    static let config = ModelConfig(
        architecture: "gemma3", name: "tiny-test", nLayers: 6, dModel: 32, nHeads: 4, nKVHeads: 1, headDim: 16,
        dFF: 48, vocabSize: 67, contextLength: 128, ropeBase: 1_000_000, ropeDim: 16, rmsEpsilon: 1e-6,
        tiedEmbeddings: true)
    /// A window far shorter than the test sequences, so that it cuts keys off.
    static let window = 4

    /// Random llama weights plus the four gemma3 norms (near 1, as the stored `1 + w`).
    static func weights(seed: UInt64) -> DecoderWeights {
        var w = DecoderWeights.random(config: config, seed: seed)
        var rng = SeededGenerator(state: seed &+ 7)
        func norm(_ n: Int) -> FloatBuffer {
            let b = FloatBuffer(count: n)
            for i in 0..<n { b[i] = 1 + 0.3 * rng.nextSymmetric() }
            return b
        }
        for l in w.layers.indices {
            w.layers[l].postAttnNorm = norm(config.dModel); w.layers[l].postFFNNorm = norm(config.dModel)
            w.layers[l].qNorm = norm(config.headDim); w.layers[l].kNorm = norm(config.headDim)
        }
        return w
    }

    /// Writes a gemma3 GGUF (F32 tensors, GGUF names); `skip` leaves tensors out, `mutate` adds or breaks metadata.
    static func write(
        _ weights: DecoderWeights, skip: Set<String> = [],
        mutate: (inout GGUFWriter) throws -> Void = { _ in }
    ) throws -> String {
        let c = config
        return try TinyGGUFModelTests.write(c, weights, arch: "gemma3", skip: skip) { w in
            w.set("gemma3.attention.key_length", .uint32(UInt32(c.headDim)))
            w.set("gemma3.attention.value_length", .uint32(UInt32(c.headDim)))
            w.set("gemma3.attention.sliding_window", .uint32(UInt32(window)))
            for (l, layer) in weights.layers.enumerated() {
                for (name, b) in [
                    ("post_attention_norm", layer.postAttnNorm), ("post_ffw_norm", layer.postFFNNorm),
                    ("attn_q_norm", layer.qNorm), ("attn_k_norm", layer.kNorm),
                ] {
                    let full = "blk.\(l).\(name).weight"
                    if let b, !skip.contains(full) {
                        try w.addTensor(name: full, dimensions: [b.count], values: b.array())
                    }
                }
            }
            try mutate(&w)
        }
    }

    /// The variant `Gemma3Model` derives for the tiny config.
    static var variant: DecoderVariant {
        DecoderVariant(
            mlpActivation: .geluTanh, embeddingScale: Float(Double(32).squareRoot()), attentionScale: 0.25,
            layers: (0..<6).map {
                $0 == 5
                    ? LayerAttention(ropeBase: 1_000_000)
                    : LayerAttention(ropeBase: 10_000, window: window)
            })
    }

    static func model(_ weights: DecoderWeights, mode: DecodeMode = .float32, variant: DecoderVariant = variant) throws
        -> DecoderModel
    {
        try DecoderModel(config: config, weights: weights, interleavedRope: false, decodeMode: mode, variant: variant)
    }

    static func tokens(_ count: Int, seed: UInt64) -> [Int32] {
        var rng = SeededGenerator(state: seed)
        return (0..<count).map { _ in Int32(rng.next() % UInt64(config.vocabSize)) }
    }

    @Test("a gemma3 GGUF loads through the registry with its variant and computes what the weights compute")
    func roundTrip() throws {
        let weights = Self.weights(seed: 3)
        let path = try Self.write(weights)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try #require(try ArchitectureRegistry.makeModel(from: GGUFFile(path: path)) as? DecoderModel)
        #expect(loaded.variant == Self.variant && !loaded.interleavedRope && loaded.config.headDim == 16)
        #expect(
            loaded.weights.layers.allSatisfy {
                $0.postAttnNorm != nil && $0.postFFNNorm != nil && $0.qNorm != nil && $0.kNorm != nil
            })
        let reference = try Self.model(weights)
        let seqs = [Self.tokens(20, seed: 1), Self.tokens(7, seed: 2)]
        try expectIdenticalRuns(loaded, reference, seqs, nLayers: 6)
    }

    @Test("prefill matches a naive gemma3 forward pass (batched; short and long sequences cross the window)")
    func matchesNaiveReference() throws {
        let weights = Self.weights(seed: 11)
        let model = try Self.model(weights)
        // 10 tokens take the direct-loop attention path, 24 the sgemm path.
        let seqs = [Self.tokens(24, seed: 5), Self.tokens(10, seed: 6)]
        let results = try model.run(seqs, capture: HookFilter((0..<6).map { .residPost($0) }), logits: .all)
        for (seq, r) in zip(seqs, results) {
            let ref = naiveGemma3(config: Self.config, weights: weights, tokens: seq, window: Self.window)
            for l in 0..<6 {
                let (diff, scale) = compare(try #require(r.activations(.residPost(l))), ref.residPost[l])
                #expect(diff <= 1e-5 * scale, "layer \(l): \(diff) vs max \(scale)")
            }
            let (diff, scale) = compare(try #require(r.allLogits), ref.logits)
            #expect(diff <= 1e-5 * scale, "logits: \(diff) vs max \(scale)")
        }
        // The reference is sensitive to the window: without it the tiny model computes something else.
        let unwindowed = naiveGemma3(config: Self.config, weights: weights, tokens: seqs[0], window: 1000)
        #expect(compare(try #require(results[0].allLogits), unwindowed.logits).maxAbsDiff > 1e-2)
    }

    @Test("the query_pre_attn_scalar key sets the attention scale", arguments: [64.0, 256.0])
    func attentionScale(scalar: Double) throws {
        let weights = Self.weights(seed: 4)
        let path = try Self.write(weights) { w in
            w.set("gemma3.attention.query_pre_attn_scalar", .float32(Float(scalar)))
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try Gemma3Model.load(from: GGUFFile(path: path), decodeMode: .float32)
        #expect(model.variant.attentionScale == Float(1 / scalar.squareRoot()))
        let seq = Self.tokens(9, seed: 8)
        let ours = try #require(try model.run([seq], capture: .none, logits: .all)[0].allLogits)
        let ref = naiveGemma3(
            config: Self.config, weights: weights, tokens: seq, window: Self.window, queryPreAttnScalar: scalar)
        let (diff, scale) = compare(ours, ref.logits)
        #expect(diff <= 1e-5 * scale)
    }
}
