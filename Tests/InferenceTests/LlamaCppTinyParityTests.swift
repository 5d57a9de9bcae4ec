import Foundation
import GGUF
import Hooks
import Testing
@testable import Inference

/// What no real model here exercises, against llama.cpp (the reference implementation of these GGUF keys) on tiny
/// random models: RoPE scaling read from the GGUF (`RopeScaling`; three llama models that differ only in it, two
/// gemma3) and the qwen3 architecture, with llama.cpp's logits at every position of one 64-token sequence
/// (Tests/ReferenceData/llamacpp-tiny/, made by scripts/llamacpp-tiny-reference.py).
@Suite("Tiny models against llama.cpp: RoPE scaling, qwen3")
struct LlamaCppTinyParityTests {
    struct Reference: Decodable {
        let factors: [Float]
        let linear: Float
        let gemma3_linear: Float
        let tokens: [Int32]
        let logits: [String: [[Float]]]
    }

    static let folder = TestPaths.root.appendingPathComponent("Tests/ReferenceData/llamacpp-tiny")

    static func reference() throws -> Reference {
        try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
    }

    /// The largest |ours − llama.cpp| over every position's logits, and the largest |llama.cpp|.
    static func difference(_ ours: [[Float]], _ reference: [[Float]]) -> (diff: Float, scale: Float) {
        var diff: Float = 0, scale: Float = 0
        for (a, b) in zip(ours, reference) {
            for (x, y) in zip(a, b) {
                diff = max(diff, abs(x - y))
                scale = max(scale, abs(y))
            }
        }
        return (diff, scale)
    }

    @Test(
        "logits at every position match llama.cpp: none, rope_freqs.weight, linear; gemma3 linear on its global layer; qwen3",
        arguments: ["plain", "freqs", "linear", "gemma3-plain", "gemma3-linear", "qwen3"])
    func matchesLlamaCpp(variant: String) throws {
        let ref = try Self.reference()
        let file = try GGUFFile(path: Self.folder.appendingPathComponent("\(variant).gguf").path)
        let gemma = variant.hasPrefix("gemma3")
        let model = try #require(try ArchitectureRegistry.makeModel(from: file) as? DecoderModel)
        let expectedFactors: [Float] =
            switch variant {
            case "freqs": ref.factors
            case "linear": [Float](repeating: ref.linear, count: ref.factors.count)
            default: []
            }
        #expect(model.variant.ropeFrequencyFactors == expectedFactors)
        if gemma {  // layers 0-4 slide (unscaled), layer 5 is global
            let global: Float = variant == "gemma3-linear" ? ref.gemma3_linear : 1
            #expect(model.variant.layers.map(\.ropeScale) == [1, 1, 1, 1, 1, global])
        }
        // Prefill of the whole sequence; and of all but the last 15 tokens, then those decoded one at a time.
        let vocab = model.config.vocabSize
        let all = try #require(try model.run([ref.tokens], capture: .none, logits: .all)[0].allLogits)
        let prefill = (0..<ref.tokens.count).map { Array(all[($0 * vocab)..<(($0 + 1) * vocab)]) }
        let cache = model.makeCache()
        let head = Array(ref.tokens.dropLast(15))
        var stepped = [
            try #require(try model.forward([head], caches: [cache], capture: .none, logits: .last)[0].lastLogits)
        ]
        for id in ref.tokens.suffix(15) {
            stepped.append(
                try #require(try model.forward([[id]], caches: [cache], capture: .none, logits: .last)[0].lastLogits))
        }
        let expected = try #require(ref.logits[variant])
        let (diff, scale) = Self.difference(prefill, expected)
        let (stepDiff, _) = Self.difference(stepped, Array(expected.suffix(16)))
        print(
            "llama.cpp tiny \(variant): max |ours - llama.cpp| \(diff) prefill, \(stepDiff) decode (max |ref| \(scale))"
        )
        // gemma3 agrees less closely (2.3e-4 of the scale, scaled or not): llama.cpp's CPU GELU rounds through float16.
        // Scaling the global layer moves the logits 50 times that much.
        let tolerance: Float = gemma ? 1e-3 : 1e-4
        #expect(diff <= tolerance * scale && stepDiff <= tolerance * scale)
        // The scaled models' logits are far from the unscaled one's: running them unscaled would fail above.
        if variant == "qwen3" {  // QK-norm on, head width from key_length
            #expect(
                model.config.headDim == 16 && model.weights.layers.allSatisfy { $0.qNorm != nil && $0.kNorm != nil })
        }
        if ["freqs", "linear", "gemma3-linear"].contains(variant) {
            let plain = try #require(ref.logits[gemma ? "gemma3-plain" : "plain"])
            #expect(Self.difference(plain, expected).diff > 0.03 * scale)
        }
    }

    /// The plain fixture rewritten with `mutate` applied (metadata set, tensors replaced), then loaded.
    static func load(_ mutate: (inout GGUFWriter) throws -> Void) throws -> DecoderModel {
        let source = try GGUFFile(path: folder.appendingPathComponent("plain.gguf").path)
        var w = GGUFWriter()
        for (key, value) in source.metadata { w.set(key, value) }
        for info in source.tensors {
            try w.addTensor(name: info.name, dimensions: info.dimensions, values: try source.dequantize(info))
        }
        try mutate(&w)
        let path = TestPaths.temporaryFile("llamacpp-tiny.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try w.write(to: path)
        return try LlamaModel.load(from: GGUFFile(path: path))
    }

    @Test(
        "scaling it cannot run (YaRN, a linear factor missing or zero, factors of the wrong count) is refused at load")
    func refusals() throws {
        func refused(_ key: String, _ mutate: (inout GGUFWriter) throws -> Void) {
            #expect {
                _ = try Self.load(mutate)
            } throws: { error in
                "\(error)".contains(key)
            }
        }
        refused("llama.rope.scaling.type") { $0.set("llama.rope.scaling.type", .string("yarn")) }
        refused("llama.rope.scaling.factor") { $0.set("llama.rope.scaling.type", .string("linear")) }
        refused("llama.rope.scaling.factor") {
            $0.set("llama.rope.scaling.type", .string("linear"))
            $0.set("llama.rope.scaling.factor", .float32(0))
        }
        refused("rope_freqs.weight") {
            try $0.addTensor(name: "rope_freqs.weight", dimensions: [3], values: [1, 2, 3])
        }
        refused("rope_freqs.weight") {
            try $0.addTensor(name: "rope_freqs.weight", dimensions: [4], values: [1, 2, -3, 4])
        }
        // "none" and factors of 1 are no scaling at all.
        let none = try Self.load {
            $0.set("llama.rope.scaling.type", .string("none"))
            try $0.addTensor(name: "rope_freqs.weight", dimensions: [4], values: [1, 1, 1, 1])
        }
        #expect(none.variant.ropeFrequencyFactors.isEmpty)
    }
}
