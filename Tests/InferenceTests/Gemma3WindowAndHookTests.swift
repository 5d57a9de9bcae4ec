import Foundation
import Hooks
import GGUF
import Testing
@testable import Inference

/// The sliding window in prefill and decode, what each hook holds for gemma3, and clear load errors.
@Suite("Gemma3 sliding window, hooks and errors")
struct Gemma3WindowAndHookTests {
    typealias Tiny = Gemma3TinyModelTests

    @Test("on a sliding layer a token older than the window no longer reaches later positions, in prefill")
    func windowInPrefill() throws {
        let model = try Tiny.model(Tiny.weights(seed: 21))
        let a = Tiny.tokens(20, seed: 9)
        var b = a
        b[0] = (a[0] + 1) % Int32(Tiny.config.vocabSize)
        let hook = HookName.residPost(0), w = Tiny.window
        let ra = try model.run([a], capture: HookFilter([hook]), logits: .none)[0]
        let rb = try model.run([b], capture: HookFilter([hook]), logits: .none)[0]
        for t in 0..<a.count {
            let (diff, _) = compare(Array(try #require(ra.row(hook, at: t))), Array(try #require(rb.row(hook, at: t))))
            if t < w {
                #expect(diff > 1e-4, "position \(t) sees token 0")
            } else {
                #expect(diff == 0, "position \(t): \(diff)")
            }
        }
        // The same model without a window: every position of layer 0 depends on token 0.
        var full = Tiny.variant
        full.layers = full.layers.map { LayerAttention(ropeBase: $0.ropeBase) }
        let unwindowed = try Tiny.model(Tiny.weights(seed: 21), variant: full)
        let rc = try unwindowed.run([a], capture: HookFilter([hook]), logits: .none)[0]
        let rd = try unwindowed.run([b], capture: HookFilter([hook]), logits: .none)[0]
        let last = a.count - 1
        #expect(
            compare(Array(try #require(rc.row(hook, at: last))), Array(try #require(rd.row(hook, at: last)))).maxAbsDiff
                > 1e-4)
    }

    @Test(
        "decoding token by token masks the window as prefill does, in every decode mode", arguments: DecodeMode.allCases
    )
    func windowInDecode(mode: DecodeMode) throws {
        let weights = Tiny.weights(seed: 22)
        let model = try Tiny.model(weights, mode: mode)
        let seq = Tiny.tokens(14, seed: 10)
        let hooks = HookFilter((0..<6).map { .residPost($0) })
        let full = try Tiny.model(weights).run([seq], capture: hooks, logits: .all)[0]
        let cache = model.makeCache()
        // Logits make the pass run every layer, so the cache is complete.
        _ = try model.forward([Array(seq[..<3])], caches: [cache], capture: .none, logits: .last)
        let v = Tiny.config.vocabSize
        for t in 3..<seq.count {
            let step = try model.forward([[seq[t]]], caches: [cache], capture: hooks, logits: .last)[0]
            for l in 0..<6 {
                let (diff, scale) = compare(
                    try #require(step.activations(.residPost(l))),
                    Array(try #require(full.row(.residPost(l), at: t))))
                #expect(diff <= 1e-5 * scale, "\(mode) position \(t) layer \(l): \(diff)")
            }
            let (diff, scale) = compare(
                try #require(step.lastLogits), Array(try #require(full.allLogits)[(t * v)..<((t + 1) * v)]))
            #expect(diff <= 1e-5 * scale, "\(mode) position \(t) logits: \(diff)")
        }
        #expect(cache.length == seq.count)
    }

    @Test("hooks: scaled hook_embed, resid_mid = resid_pre + attn_out (post-normed), resid_post = resid_mid + mlp_out")
    func hooks() throws {
        let weights = Tiny.weights(seed: 23)
        let model = try Tiny.model(weights)
        let c = Tiny.config, d = c.dModel, seq = Tiny.tokens(6, seed: 12)
        let r = try model.run([seq], capture: .all(nLayers: 6), logits: .none)[0]
        let embed = try #require(r.activations(.embed))
        let scale = Float(Double(d).squareRoot())
        #expect(embed == seq.flatMap { t in (0..<d).map { weights.tokenEmbedding.weight[Int(t) * d + $0] * scale } })
        #expect(r.activations(.block(0, .residPre)) == embed)
        #expect(
            r.widths[.block(0, .attnQ)] == 64 && r.widths[.block(0, .attnK)] == 16 && r.widths[.block(0, .mlpPre)] == 48
        )
        for l in 0..<6 {
            func get(_ h: BlockHook) throws -> [Float] { try #require(r.activations(.block(l, h))) }
            let pre = try get(.residPre), attn = try get(.attnOut), mid = try get(.residMid)
            let mlp = try get(.mlpOut), post = try get(.residPost)
            #expect(compare(mid, zip(pre, attn).map(+)).maxAbsDiff == 0)
            #expect(compare(post, zip(mid, mlp).map(+)).maxAbsDiff == 0)
            if l + 1 < 6 { #expect(r.activations(.block(l + 1, .residPre)) == post) }
            // hook_attn_out is post_attention_norm(z · W_Oᵀ): its RMS per token is that of the norm weights.
            let layer = weights.layers[l], z = try get(.attnZ), qDim = c.nHeads * c.headDim
            var worst: Float = 0
            for t in seq.indices {
                let o = (0..<d).map { i in
                    (0..<qDim).reduce(Float(0)) { $0 + z[t * qDim + $1] * layer.o.weight[i * qDim + $1] }
                }
                let rms = (o.reduce(0) { $0 + $1 * $1 } / Float(d) + c.rmsEpsilon).squareRoot()
                for i in 0..<d { worst = max(worst, abs(o[i] / rms * layer.postAttnNorm![i] - attn[t * d + i])) }
            }
            #expect(worst < 1e-4, "layer \(l) attn_out: \(worst)")
            // mlp.hook_post = gelu_tanh(hook_pre) ⊙ up: zero exactly where the gate is zero is not testable; check
            // the ratio against x · W_upᵀ instead.
            let gate = try get(.mlpPre), post2 = try get(.mlpPost), xn = try get(.ln2Normalized)
            var worstPost: Float = 0
            for t in seq.indices {
                for j in 0..<c.dFF {
                    let up = (0..<d).reduce(Float(0)) { $0 + xn[t * d + $1] * layer.up.weight[j * d + $1] }
                    let g = Double(gate[t * c.dFF + j])
                    let gelu = 0.5 * g * (1 + tanh((2 / Double.pi).squareRoot() * (g + 0.044715 * g * g * g)))
                    worstPost = max(worstPost, abs(Float(gelu) * up - post2[t * c.dFF + j]))
                }
            }
            #expect(worstPost < 1e-4, "layer \(l) mlp.hook_post: \(worstPost)")
        }
    }

    @Test("a missing gemma3 norm, a missing window or soft-capping is a clear error")
    func brokenFiles() throws {
        let weights = Tiny.weights(seed: 24)
        let missing = try Tiny.write(weights, skip: ["blk.3.post_ffw_norm.weight"])
        defer { try? FileManager.default.removeItem(atPath: missing) }
        #expect(throws: InferenceError.missingTensor(name: "blk.3.post_ffw_norm.weight", path: missing)) {
            try ArchitectureRegistry.makeModel(from: GGUFFile(path: missing))
        }
        let noWindow = try Tiny.write(weights) { w in w.set("gemma3.attention.sliding_window", .string("none")) }
        defer { try? FileManager.default.removeItem(atPath: noWindow) }
        #expect(throws: InferenceError.missingMetadata(key: "gemma3.attention.sliding_window", path: noWindow)) {
            try ArchitectureRegistry.makeModel(from: GGUFFile(path: noWindow))
        }
        let capped = try Tiny.write(weights) { w in w.set("gemma3.final_logit_softcapping", .float32(30)) }
        defer { try? FileManager.default.removeItem(atPath: capped) }
        #expect(throws: InferenceError.self) { try ArchitectureRegistry.makeModel(from: GGUFFile(path: capped)) }
        let zeroWindow = try Tiny.write(weights) { w in w.set("gemma3.attention.sliding_window", .uint32(0)) }
        defer { try? FileManager.default.removeItem(atPath: zeroWindow) }
        #expect(throws: InferenceError.self) { try ArchitectureRegistry.makeModel(from: GGUFFile(path: zeroWindow)) }
    }
}
