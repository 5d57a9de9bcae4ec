import Hooks
import Foundation

/// Weights of one decoder block (GGUF names `blk.{l}.*`).
public struct DecoderLayerWeights: @unchecked Sendable {
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

    public init(
        attnNorm: FloatBuffer, q: LinearWeight, k: LinearWeight, v: LinearWeight, o: LinearWeight,
        ffnNorm: FloatBuffer, gate: LinearWeight, up: LinearWeight, down: LinearWeight,
        qBias: FloatBuffer? = nil, kBias: FloatBuffer? = nil, vBias: FloatBuffer? = nil
    ) {
        self.attnNorm = attnNorm; self.q = q; self.k = k; self.v = v; self.o = o
        self.ffnNorm = ffnNorm; self.gate = gate; self.up = up; self.down = down
        self.qBias = qBias; self.kBias = kBias; self.vBias = vBias
    }
}

/// All weights of a decoder model (llama, qwen2, gemma3): matrices as `LinearWeight` (mapped or float32), vectors
/// (norms, biases) as float32.
public struct DecoderWeights: @unchecked Sendable {
    /// `token_embd.weight` `[vocab, d_model]`: a forward pass reads only the rows of its tokens.
    public var tokenEmbedding: LinearWeight
    public var layers: [DecoderLayerWeights]
    /// `output_norm.weight` `[d_model]`.
    public var outputNorm: FloatBuffer
    /// `output.weight` `[vocab, d_model]`, or the token embedding when tied.
    public var output: LinearWeight

    public init(
        tokenEmbedding: LinearWeight, layers: [DecoderLayerWeights], outputNorm: FloatBuffer, output: LinearWeight
    ) {
        self.tokenEmbedding = tokenEmbedding; self.layers = layers; self.outputNorm = outputNorm; self.output = output
    }

    /// Random weights for tests: normal-ish values scaled by `1/sqrt(fan_in)`, norms near 1, reproducible from `seed`.
    public static func random(config c: ModelConfig, seed: UInt64) -> DecoderWeights {
        var rng = SeededGenerator(state: seed)
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
            DecoderLayerWeights(
                attnNorm: buf(c.dModel, scale: 0.2, offset: 1), q: lin(qDim, c.dModel),
                k: lin(kvDim, c.dModel), v: lin(kvDim, c.dModel), o: lin(c.dModel, qDim),
                ffnNorm: buf(c.dModel, scale: 0.2, offset: 1), gate: lin(c.dFF, c.dModel),
                up: lin(c.dFF, c.dModel), down: lin(c.dModel, c.dFF))
        }
        let embd = LinearWeight(weight: buf(c.vocabSize * c.dModel, scale: 1), rows: c.vocabSize, cols: c.dModel)
        let output = c.tiedEmbeddings ? embd : lin(c.vocabSize, c.dModel)
        return DecoderWeights(
            tokenEmbedding: embd, layers: layers, outputNorm: buf(c.dModel, scale: 0.2, offset: 1),
            output: output)
    }
}
