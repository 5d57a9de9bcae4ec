// A direct, unoptimised gemma3 forward pass for the tiny-model tests.
import Foundation
@testable import Inference

/// The gemma3 forward pass of one sequence written out loop by loop from the facts in
/// ../shared/golden/gemma3-270m/README.md (HF `modeling_gemma3.py`), in Double where it costs nothing, sharing
/// no kernel with `DecoderModel`. Global layers are each `pattern`-th (1-based); the others see `window` keys.
/// - Returns: `hook_resid_post` per layer `[nLayers][T · d_model]` and logits `[T · vocab]`.
func naiveGemma3(
    config c: ModelConfig, weights w: DecoderWeights, tokens: [Int32], window: Int, pattern: Int = 6,
    localBase: Double = 10_000, queryPreAttnScalar: Double? = nil
) -> (residPost: [[Float]], logits: [Float]) {
    let d = c.dModel, hd = c.headDim, eps = Double(c.rmsEpsilon), count = tokens.count
    let scale = 1 / (queryPreAttnScalar ?? Double(hd)).squareRoot()
    func norm(_ x: [Double], _ g: FloatBuffer) -> [Double] {
        let r = 1 / (x.reduce(0) { $0 + $1 * $1 } / Double(x.count) + eps).squareRoot()
        return x.indices.map { x[$0] * r * Double(g[$0]) }
    }
    func mul(_ m: LinearWeight, _ x: [Double]) -> [Double] {
        (0..<m.rows).map { o in (0..<m.cols).reduce(0) { $0 + Double(m.weight[o * m.cols + $1]) * x[$1] } }
    }
    /// Rotate-half RoPE of one head at `position`.
    func rope(_ v: [Double], _ position: Int, _ base: Double) -> [Double] {
        var out = v
        for i in 0..<(hd / 2) {
            let angle = Double(position) * pow(base, -Double(2 * i) / Double(hd))
            out[i] = v[i] * cos(angle) - v[i + hd / 2] * sin(angle)
            out[i + hd / 2] = v[i] * sin(angle) + v[i + hd / 2] * cos(angle)
        }
        return out
    }
    func gelu(_ x: Double) -> Double { 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }
    /// Splits `[heads · hd]` into heads, applies QK-norm then RoPE to each.
    func heads(_ v: [Double], _ n: Int, _ g: FloatBuffer, _ position: Int, _ base: Double) -> [[Double]] {
        (0..<n).map { rope(norm(Array(v[($0 * hd)..<(($0 + 1) * hd)]), g), position, base) }
    }

    var h = tokens.map { t in
        (0..<d).map { Double(w.tokenEmbedding.weight[Int(t) * d + $0] * Float(Double(d).squareRoot())) }
    }
    var residPost: [[Float]] = []
    for (l, layer) in w.layers.enumerated() {
        let global = (l + 1) % pattern == 0
        let base = global ? Double(c.ropeBase) : localBase, span = global ? Int.max : window
        var q: [[[Double]]] = [], k: [[[Double]]] = [], v: [[Double]] = []
        for t in 0..<count {
            let xn = norm(h[t], layer.attnNorm)
            q.append(heads(mul(layer.q, xn), c.nHeads, layer.qNorm!, t, base))
            k.append(heads(mul(layer.k, xn), c.nKVHeads, layer.kNorm!, t, base))
            v.append(mul(layer.v, xn))
        }
        for t in 0..<count {
            var z = [Double](repeating: 0, count: c.nHeads * hd)
            let first = span == Int.max ? 0 : max(0, t - span + 1)
            for head in 0..<c.nHeads {
                let kv = head / (c.nHeads / c.nKVHeads)
                let scores = (first...t).map { j in scale * (0..<hd).reduce(0) { $0 + q[t][head][$1] * k[j][kv][$1] } }
                let top = scores.max()!, e = scores.map { exp($0 - top) }, sum = e.reduce(0, +)
                for (n, j) in (first...t).enumerated() {
                    for i in 0..<hd { z[head * hd + i] += e[n] / sum * v[j][kv * hd + i] }
                }
            }
            let attn = norm(mul(layer.o, z), layer.postAttnNorm!)
            for i in 0..<d { h[t][i] += attn[i] }
        }
        for t in 0..<count {
            let xn = norm(h[t], layer.ffnNorm)
            let g = mul(layer.gate, xn), u = mul(layer.up, xn)
            let mlp = norm(mul(layer.down, g.indices.map { gelu(g[$0]) * u[$0] }), layer.postFFNNorm!)
            for i in 0..<d { h[t][i] += mlp[i] }
        }
        residPost.append(h.flatMap { $0.map(Float.init) })
    }
    var logits: [Float] = []
    for t in 0..<count {
        let x = norm(h[t], w.outputNorm)
        for token in 0..<c.vocabSize {
            logits.append(Float((0..<d).reduce(0) { $0 + Double(w.tokenEmbedding.weight[token * d + $1]) * x[$1] }))
        }
    }
    return (residPost, logits)
}
