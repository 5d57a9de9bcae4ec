import Foundation
import Hooks
import Testing
@testable import Inference

/// Shapes and hook plumbing on tiny random-weight llama models (no files needed).
@Suite("Hook plumbing on a tiny random model")
struct HookPlumbingTests {
    let config = tinyConfig()
    let model: DecoderModel
    let sequences: [[Int32]] = [[1, 5, 9, 2, 33, 66, 0], [4], [7, 7, 7, 12, 40]]

    init() throws { model = try DecoderModel(config: tinyConfig(), weights: .random(config: tinyConfig(), seed: 7)) }

    @Test("every hook has [tokens, width] values")
    func shapes() throws {
        let out = try model.run(sequences, capture: .all(nLayers: config.nLayers), logits: .all)
        #expect(out.count == sequences.count)
        for (seq, acts) in zip(sequences, out) {
            #expect(acts.tokenCount == seq.count)
            for hook in HookName.all(nLayers: config.nLayers) {
                let values = try #require(acts.activations(hook), "\(hook) missing")
                #expect(values.count == seq.count * hook.width(in: config), "\(hook)")
                #expect(values.allSatisfy { $0.isFinite })
            }
            #expect(acts.lastLogits?.count == config.vocabSize)
            #expect(acts.allLogits?.count == seq.count * config.vocabSize)
        }
        #expect(
            HookName.block(0, .attnK).width(in: config) == 16 && HookName.block(0, .mlpPost).width(in: config) == 48)
    }

    @Test("residual hooks chain: resid_post of l is resid_pre of l+1, mid = pre + attn_out, post = mid + mlp_out")
    func residualChain() throws {
        let acts = try model.run(sequences, capture: .all(nLayers: config.nLayers))[0]
        #expect(acts.activations(.embed) == acts.activations(.block(0, .residPre)))
        for l in 0..<config.nLayers {
            if l + 1 < config.nLayers {
                #expect(acts.activations(.residPost(l)) == acts.activations(.block(l + 1, .residPre)))
            }
            let pre = try #require(acts.activations(.block(l, .residPre)))
            let attn = try #require(acts.activations(.block(l, .attnOut)))
            let mid = try #require(acts.activations(.block(l, .residMid)))
            let mlp = try #require(acts.activations(.block(l, .mlpOut)))
            let post = try #require(acts.activations(.residPost(l)))
            #expect(compare(zip(pre, attn).map { $0 + $1 }, mid).maxAbsDiff == 0)
            #expect(compare(zip(mid, mlp).map { $0 + $1 }, post).maxAbsDiff == 0)
        }
    }

    @Test("only requested hooks are captured, and a shallow request gives the same values as a full pass")
    func filterAndEarlyStop() throws {
        let full = try model.run(sequences, capture: .all(nLayers: config.nLayers), logits: .last)
        let shallow = try model.run(sequences, capture: [.residPost(1)])
        for (f, s) in zip(full, shallow) {
            #expect(s.capturedHooks == [.residPost(1)])
            #expect(s.lastLogits == nil)
            #expect(s.activations(.residPost(1)) == f.activations(.residPost(1)))
        }
        let nothing = try model.run(sequences, capture: .none)
        #expect(nothing.allSatisfy { $0.captured.isEmpty && $0.lastLogits == nil })
    }

    @Test("batched prefill of different lengths equals running each sequence alone")
    func batchedEqualsSingle() throws {
        let filter: HookFilter = [.embed, .residPost(0), .block(1, .attnZ), .lnFinal]
        let batched = try model.run(sequences, capture: filter, logits: .last)
        for (i, seq) in sequences.enumerated() {
            let single = try model.run([seq], capture: filter, logits: .last)[0]
            for hook in filter.sorted {
                let (diff, scale) = compare(
                    try #require(batched[i].activations(hook)), try #require(single.activations(hook)))
                #expect(diff <= 1e-5 * max(scale, 1), "sequence \(i) \(hook): \(diff)")
            }
            let (diff, scale) = compare(try #require(batched[i].lastLogits), try #require(single.lastLogits))
            #expect(diff <= 1e-5 * max(scale, 1))
        }
    }

    @Test(
        "decoding token by token through the KV cache equals a full prefill at the same positions (both attention paths)"
    )
    func incrementalEqualsPrefill() throws {
        let tokens: [Int32] = [
            3, 14, 15, 9, 26, 53, 58, 9, 7, 9, 32, 38, 46, 26, 43, 38, 32, 7, 9, 50, 28, 8, 41, 9, 7, 1,
        ]
        let filter: HookFilter = [.block(0, .attnQ), .block(1, .attnV), .residPost(2), .lnFinal]
        let full = try model.run([tokens], capture: filter, logits: .all)[0]
        let cache = model.makeCache(initialCapacity: 2)
        let prefix = 4
        var steps = [try model.forward([Array(tokens[..<prefix])], caches: [cache], capture: filter, logits: .last)[0]]
        for t in prefix..<tokens.count {
            steps.append(try model.forward([[tokens[t]]], caches: [cache], capture: filter, logits: .last)[0])
        }
        #expect(cache.length == tokens.count)
        let vocab = config.vocabSize
        for hook in filter.sorted {
            let w = hook.width(in: config)
            let fullValues = try #require(full.activations(hook))
            var stitched = try #require(steps[0].activations(hook))
            for s in steps.dropFirst() { stitched += try #require(s.activations(hook)) }
            let (diff, scale) = compare(stitched, fullValues)
            #expect(stitched.count == tokens.count * w)
            #expect(diff <= 1e-5 * max(scale, 1), "\(hook): \(diff)")
        }
        let fullLogits = try #require(full.allLogits)
        for (k, step) in steps.enumerated() {
            let position = k == 0 ? prefix - 1 : prefix + k - 1
            let expected = Array(fullLogits[(position * vocab)..<((position + 1) * vocab)])
            let (diff, scale) = compare(try #require(step.lastLogits), expected)
            #expect(diff <= 1e-5 * max(scale, 1), "position \(position): \(diff)")
        }
    }

    @Test("bad input is a clear error")
    func errors() throws {
        #expect(throws: InferenceError.tokenOutOfRange(id: 67, vocabSize: 67)) {
            try model.run([[1, 67]], capture: .none)
        }
        #expect(throws: InferenceError.tokenOutOfRange(id: -1, vocabSize: 67)) { try model.run([[-1]], capture: .none) }
        #expect(throws: InferenceError.emptySequence(index: 1)) { try model.run([[1], []], capture: .none) }
        #expect(throws: HookError.self) { try model.run([[1]], capture: [.residPost(3)]) }
        let cache = model.makeCache(maxLength: 4)
        #expect(throws: InferenceError.contextOverflow(tokens: 5, contextLength: 4)) {
            try model.forward([[1, 2, 3, 4, 5]], caches: [cache], capture: .none, logits: .last)
        }
        var bad = tinyConfig(); bad.nKVHeads = 3
        #expect(throws: InferenceError.self) {
            try DecoderModel(config: bad, weights: .random(config: tinyConfig(), seed: 1))
        }
    }

    @Test("an untied output head is used when present")
    func untiedHead() throws {
        let c = tinyConfig(tied: false)
        let m = try DecoderModel(config: c, weights: .random(config: c, seed: 3))
        let out = try m.run([[1, 2, 3]], capture: [.lnFinal], logits: .last)[0]
        let xn = try #require(out.activations(.lnFinal)).suffix(c.dModel)
        let w = m.weights.output.weight
        let row5 = (0..<c.dModel).reduce(Float(0)) { $0 + Array(xn)[$1] * w[5 * c.dModel + $1] }
        #expect(abs(try #require(out.lastLogits)[5] - row5) < 1e-4)
    }
}
