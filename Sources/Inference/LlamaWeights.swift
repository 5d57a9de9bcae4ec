import Foundation

/// A dense weight matrix in the GGUF layout `[rows (outputs), cols (inputs)]`, dequantised to F32 at load.
public struct LinearWeight: @unchecked Sendable {
    /// `[rows, cols]` row-major.
    public let weight: FloatBuffer
    public let rows: Int
    public let cols: Int
    /// The same matrix in its quantised GGUF blocks, used for single-token decode when present.
    public var quantized: QuantizedMatrix?

    public init(weight: FloatBuffer, rows: Int, cols: Int, quantized: QuantizedMatrix? = nil) {
        precondition(weight.count == rows * cols, "LinearWeight: buffer size does not match rows × cols")
        self.weight = weight; self.rows = rows; self.cols = cols; self.quantized = quantized
    }

    /// `y[m, rows] = x[m, cols] · Wᵀ`: for one row, the quantised kernel `mode` asks for (when the weights have
    /// blocks with a kernel); otherwise BLAS on F32.
    func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, m: Int, mode: DecodeMode = .float32) {
        if m == 1, mode != .float32, let q = quantized {
            q.matvec(x, y, int8: mode == .quantizedInt8)
        } else {
            Kernels.linear(x, weight.pointer, y, m: m, n: rows, k: cols)
        }
    }

    /// `y_i = x · W_iᵀ` for several weights of one input `x[m, cols]` (q/k/v; gate/up). A decode step with
    /// quantised blocks runs them as one fork/join of the decode pool; otherwise one `apply` each.
    static func apply(_ products: [(weight: LinearWeight, y: UnsafeMutablePointer<Float>)], _ x: UnsafePointer<Float>,
                      m: Int, mode: DecodeMode) {
        if m == 1, mode != .float32 {
            let blocks = products.compactMap { p in p.weight.quantized.map { (matrix: $0, y: p.y) } }
            if blocks.count == products.count, Set(blocks.map(\.matrix.cols)).count == 1 {
                QuantizedMatrix.matvec(blocks, x, int8: mode == .quantizedInt8)
                return
            }
        }
        for p in products { p.weight.apply(x, p.y, m: m, mode: mode) }
    }

    /// The gated MLP's first half (Shazeer 2020, SwiGLU): `gateOut = x · W_gateᵀ` and `out = silu(gateOut) ⊙ (x · W_upᵀ)`,
    /// both `[m, rows]`. A decode step with quantised blocks runs both products and the activation in one fork/join.
    static func applySwiGLU(gate: LinearWeight, up: LinearWeight, _ x: UnsafePointer<Float>,
                            gateOut: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, m: Int, mode: DecodeMode) {
        precondition(gate.rows == up.rows && gate.cols == up.cols, "SwiGLU: gate and up shapes differ")
        if m == 1, mode != .float32, let g = gate.quantized, let u = up.quantized {
            QuantizedMatrix.swiglu(gate: (g, gateOut), up: (u, out), x, int8: mode == .quantizedInt8)
            return
        }
        gate.apply(x, gateOut, m: m, mode: mode)
        up.apply(x, out, m: m, mode: mode)
        Kernels.swiglu(gateOut, out, out, count: m * gate.rows)
    }

    /// The gated MLP's first half with `activation`: `gateOut = x · W_gateᵀ` (the pre-activation) and
    /// `out = act(gateOut) ⊙ (x · W_upᵀ)`, both `[m, rows]`. SiLU goes through `applySwiGLU` (fused decode kernel);
    /// GELU-tanh runs both products (one fork/join when quantised) and then the activation.
    static func applyGatedMLP(_ activation: MLPActivation, gate: LinearWeight, up: LinearWeight, _ x: UnsafePointer<Float>,
                              gateOut: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, m: Int,
                              mode: DecodeMode) {
        switch activation {
        case .silu:
            applySwiGLU(gate: gate, up: up, x, gateOut: gateOut, out: out, m: m, mode: mode)
        case .geluTanh:
            precondition(gate.rows == up.rows && gate.cols == up.cols, "GeGLU: gate and up shapes differ")
            apply([(gate, gateOut), (up, out)], x, m: m, mode: mode)
            Kernels.geluTanhGated(gateOut, out, out, count: m * gate.rows)
        }
    }
}

/// How single-token (decode) steps multiply by the weight matrices. Batched prefill always uses F32 BLAS.
public enum DecodeMode: String, Sendable, Codable, CaseIterable {
    /// sgemv on the F32 weights (reads ~4 bytes per weight: memory-bound).
    case float32
    /// Kernels on the GGUF's quantised blocks with F32 activations: equal to `float32` up to rounding.
    case quantized
    /// Kernels on quantised blocks with activations quantised to int8 per 32 values (as llama.cpp): fastest,
    /// but hidden states differ from the F32 reference by ~0.5%.
    case quantizedInt8
}

/// Weights of one llama block (GGUF names `blk.{l}.*`).
public struct LlamaLayerWeights: @unchecked Sendable {
    /// `attn_norm.weight` `[d_model]`.
    public var attnNorm: FloatBuffer
    /// `attn_q` `[n_heads·d_head, d_model]`, `attn_k`/`attn_v` `[n_kv·d_head, d_model]`, `attn_output` `[d_model, n_heads·d_head]`.
    public var q, k, v, o: LinearWeight
    /// `ffn_norm.weight` `[d_model]`.
    public var ffnNorm: FloatBuffer
    /// `ffn_gate`/`ffn_up` `[d_ff, d_model]`, `ffn_down` `[d_model, d_ff]`.
    public var gate, up, down: LinearWeight
    /// Optional projection biases (qwen2): `attn_q.bias` `[n_heads·d_head]`, `attn_k.bias`/`attn_v.bias` `[n_kv·d_head]`.
    public var qBias, kBias, vBias: FloatBuffer?
    /// Optional sandwich norms (gemma3), applied to the attention and MLP outputs before they join the residual
    /// stream: `post_attention_norm.weight`, `post_ffw_norm.weight` `[d_model]`.
    public var postAttnNorm, postFFNNorm: FloatBuffer?
    /// Optional QK-norm (gemma3): `attn_q_norm.weight`, `attn_k_norm.weight` `[d_head]`, one RMSNorm per head
    /// of q and k before RoPE.
    public var qNorm, kNorm: FloatBuffer?

    public init(attnNorm: FloatBuffer, q: LinearWeight, k: LinearWeight, v: LinearWeight, o: LinearWeight,
                ffnNorm: FloatBuffer, gate: LinearWeight, up: LinearWeight, down: LinearWeight,
                qBias: FloatBuffer? = nil, kBias: FloatBuffer? = nil, vBias: FloatBuffer? = nil) {
        self.attnNorm = attnNorm; self.q = q; self.k = k; self.v = v; self.o = o
        self.ffnNorm = ffnNorm; self.gate = gate; self.up = up; self.down = down
        self.qBias = qBias; self.kBias = kBias; self.vBias = vBias
    }
}

/// All weights of a llama model, F32.
public struct LlamaWeights: @unchecked Sendable {
    /// `token_embd.weight` `[vocab, d_model]`.
    public var tokenEmbedding: FloatBuffer
    public var layers: [LlamaLayerWeights]
    /// `output_norm.weight` `[d_model]`.
    public var outputNorm: FloatBuffer
    /// `output.weight` `[vocab, d_model]`, or the token embedding when tied.
    public var output: LinearWeight

    public init(tokenEmbedding: FloatBuffer, layers: [LlamaLayerWeights], outputNorm: FloatBuffer, output: LinearWeight) {
        self.tokenEmbedding = tokenEmbedding; self.layers = layers; self.outputNorm = outputNorm; self.output = output
    }

    /// Random weights for tests: normal-ish values scaled by `1/sqrt(fan_in)`, norms near 1, reproducible from `seed`.
    public static func random(config c: ModelConfig, seed: UInt64) -> LlamaWeights {
        var rng = SplitMix64(seed: seed)
        func buf(_ n: Int, scale: Float, offset: Float = 0) -> FloatBuffer {
            let b = FloatBuffer(count: n)
            for i in 0..<n { b[i] = offset + scale * rng.nextSymmetric() }
            return b
        }
        func lin(_ rows: Int, _ cols: Int) -> LinearWeight {
            LinearWeight(weight: buf(rows * cols, scale: 1.7 / Float(cols).squareRoot()), rows: rows, cols: cols)
        }
        let qDim = c.nHeads * c.headDim, kvDim = c.nKVHeads * c.headDim
        let layers = (0..<c.nLayers).map { _ in
            LlamaLayerWeights(attnNorm: buf(c.dModel, scale: 0.2, offset: 1), q: lin(qDim, c.dModel),
                              k: lin(kvDim, c.dModel), v: lin(kvDim, c.dModel), o: lin(c.dModel, qDim),
                              ffnNorm: buf(c.dModel, scale: 0.2, offset: 1), gate: lin(c.dFF, c.dModel),
                              up: lin(c.dFF, c.dModel), down: lin(c.dModel, c.dFF))
        }
        let embd = buf(c.vocabSize * c.dModel, scale: 1)
        let output = c.tiedEmbeddings ? LinearWeight(weight: embd, rows: c.vocabSize, cols: c.dModel)
                                      : lin(c.vocabSize, c.dModel)
        return LlamaWeights(tokenEmbedding: embd, layers: layers, outputNorm: buf(c.dModel, scale: 0.2, offset: 1),
                            output: output)
    }
}

/// A small, fast, reproducible PRNG (Steele, Lea & Flood 2014, SplitMix64) for tests and sampling.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func nextSymmetric() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}
