import BLASSupport
import CBLAS
import CKernels
import Foundation
import Hooks

/// The decoder-only transformer shared by every supported architecture (llama, qwen2, gemma3): pre-norm blocks of
/// RMSNorm → grouped-query attention with RoPE → residual, RMSNorm → gated MLP → residual; final RMSNorm and LM
/// head (Touvron et al. 2023, the llama block). What an architecture changes comes with its weights (q/k/v biases,
/// sandwich norms, QK-norm in `DecoderLayerWeights`) or with its `DecoderVariant` (MLP activation, embedding and
/// attention scales, per-layer RoPE base and window); `Models/` holds one file per architecture saying which.
///
/// RoPE: `interleavedRope` is the GGUF llama convention (llama.cpp stores q/k rows permuted so that rotating
/// interleaved pairs (2i, 2i+1) equals HF's rotate-half on the original weights; see ../shared/golden/README.md);
/// otherwise NeoX halves (qwen2, gemma3).
///
/// Thread-safety: the weights are immutable, so concurrent `forward` calls are safe as long as each call uses
/// its own KV caches.
public final class DecoderModel: CausalLanguageModel, @unchecked Sendable {
    public let config: ModelConfig
    public let weights: DecoderWeights
    /// RoPE inverse frequencies of each distinct base and scale, `[rotations][ropeDim / 2]`, and each layer's.
    private let frequencies: [[Float]]
    private let frequencySet: [Int]
    /// Per-layer attention spans (`variant.attention(layer:config:)`), `[nLayers]`.
    let layerAttention: [LayerAttention]
    /// Attention logit scale: `variant.attentionScale` or `1 / sqrt(head_dim)`.
    let attentionScale: Float
    /// How this architecture's block differs from llama's.
    public let variant: DecoderVariant
    /// True for the GGUF llama convention (interleaved pairs); false for NeoX-style halves.
    let interleavedRope: Bool

    /// How single-token passes multiply by the weights (see `DecodeMode`).
    public let decodeMode: DecodeMode

    public init(
        config: ModelConfig, weights: DecoderWeights, interleavedRope: Bool = true,
        decodeMode: DecodeMode = .float32, variant: DecoderVariant = .llama
    ) throws {
        try config.validate()
        try variant.validate(for: config)
        ComputeThreads.poolRunsBLAS()
        self.config = config; self.weights = weights; self.interleavedRope = interleavedRope
        self.decodeMode = decodeMode; self.variant = variant
        layerAttention = (0..<config.nLayers).map { variant.attention(layer: $0, config: config) }
        var rotations: [(base: Float, scale: Float)] = []
        frequencySet = layerAttention.map { a in
            if let k = rotations.firstIndex(where: { $0 == (a.ropeBase, a.ropeScale) }) { return k }
            rotations.append((a.ropeBase, a.ropeScale))
            return rotations.count - 1
        }
        let factors = variant.ropeFrequencyFactors
        frequencies = rotations.map { r in
            let f = Kernels.ropeFrequencies(base: r.base, ropeDim: config.ropeDim)
            return factors.isEmpty ? f.map { $0 / r.scale } : zip(f, factors).map { $0 / ($1 * r.scale) }
        }
        attentionScale = variant.attentionScale ?? 1 / Float(config.headDim).squareRoot()
    }

    /// The same weights (shared, not copied) with another decode mode.
    public func withDecodeMode(_ mode: DecodeMode) throws -> DecoderModel {
        try DecoderModel(
            config: config, weights: weights, interleavedRope: interleavedRope, decodeMode: mode,
            variant: variant)
    }

    /// Short prompts (a chat question after the shared template prefix) ride in decode steps with the decode
    /// kernels, when there are such kernels (not in the F32 reference mode): up to 32 tokens where batched steps run
    /// the int8 GEMM tile (`quantized` on AVX-512 VNNI, and `quantizedInt8` where it reads packed tiles), which costs
    /// little more per extra row; else up to 6, since there each extra row costs about a decode step while the
    /// prefill GEMM amortises its weight reads. Measured with `bench --prompt-tokens N` (2 threads), one prompt by
    /// the decode kernels against the F32 GEMM: `quantized` on AVX-512 VNNI (24-bit digit rows), 8 / 16 / 32 tokens,
    /// Qwen2.5-Coder-1.5B Q4_K_M 0.145 / 0.231 / 0.418 s against 0.324 / 0.378 / 0.525 s, SmolLM2 Q4_1 14 / 24 / 42 ms
    /// against 25 / 31 / 47 ms (at 256 the GEMM wins, 79 against 98 tok/s); before, with float activations, 16 tokens
    /// on the 1.5B took 1.10 s against 0.39; `quantizedInt8` 0.36 against 0.19 (equal at 4–6 tokens), SmolLM2 Q4_1
    /// 14 ms against 20 ms.
    public var quantizedPrefillLimit: Int {
        switch decodeMode {
        case .float32: return 0
        case .quantized where QuantizedMatrix.digits24Decode: return 32
        case .quantizedInt8 where weights.layers.first?.up.quantized?.packed != nil: return 32
        default: return 6
        }
    }

    public func forward(
        _ sequences: [[Int32]], caches: [KVCache], capture: HookFilter,
        logits: LogitsRequest, quantizedPrefill: Bool
    ) throws -> [SequenceActivations] {
        let c = config
        precondition(sequences.count == caches.count, "forward: one KV cache per sequence")
        try capture.validate(nLayers: c.nLayers)
        var segments: [(start: Int, count: Int)] = []
        var total = 0
        for (i, seq) in sequences.enumerated() {
            if seq.isEmpty { throw InferenceError.emptySequence(index: i) }
            for id in seq where id < 0 || Int(id) >= c.vocabSize {
                throw InferenceError.tokenOutOfRange(id: id, vocabSize: c.vocabSize)
            }
            try caches[i].reserve(seq.count)
            segments.append((total, seq.count))
            total += seq.count
        }
        var recorder = ActivationRecorder(filter: capture, config: c, segments: segments)
        // A decode step (one new token per sequence, any number of sequences) multiplies on the quantised blocks;
        // a prefill on F32 values. Each row of a batched step equals the same sequence's step alone, bit for bit.
        // With `quantizedPrefill` every row (prompts' too) takes the decode kernels.
        let stepMode: DecodeMode =
            quantizedPrefill || segments.allSatisfy { $0.count == 1 } ? decodeMode : .float32
        let needFinal = logits != .none || capture.contains(.lnFinal)
        let lastLayer = needFinal ? c.nLayers - 1 : capture.deepestLayer(nLayers: c.nLayers)

        let d = c.dModel, qDim = c.nHeads * c.headDim, kvDim = c.nKVHeads * c.headDim
        let x = FloatBuffer(count: total * d)
        for (r, id) in sequences.joined().enumerated() {
            weights.tokenEmbedding.copyRow(Int(id), into: x.pointer + r * d)
        }
        let workspace = PanelWorkspace(
            int8: decodeMode == .quantizedInt8 && QuantizedMatrix.int8Prefill, packWeights: segments.count >= 2)
        if let scale = variant.embeddingScale { Kernels.scale(x.pointer, by: scale, count: total * d) }
        recorder.record(.embed, x.pointer)
        if lastLayer >= 0 {
            let s = Scratch(
                total: total, d: d, qDim: qDim, kvDim: kvDim, dFF: c.dFF, ropeHalf: c.ropeDim / 2,
                bases: frequencies.count, workspace: workspace)
            // Each row's rotation once per pass and base (the layers of a base share it), not per layer and head.
            let half = c.ropeDim / 2
            for (k, f) in frequencies.enumerated() {
                for (i, seg) in segments.enumerated() {
                    for t in 0..<seg.count {
                        let at = (k * total + seg.start + t) * half
                        Kernels.ropeAngles(
                            position: caches[i].length + t, frequencies: f, cos: s.cos.pointer + at,
                            sin: s.sin.pointer + at)
                    }
                }
            }
            for l in 0...lastLayer {
                block(l, x: x, s: s, segments: segments, caches: caches, mode: stepMode, recorder: &recorder)
            }
        }
        // Only a full-depth pass leaves complete caches behind.
        if lastLayer == c.nLayers - 1 { for (i, seg) in segments.enumerated() { caches[i].advance(by: seg.count) } }
        if needFinal {
            // The LM head on the sequences' last rows (one row each) uses the decode kernels like a step: a
            // sequence's last-position logits do not depend on which others share the pass.
            finalNormAndLogits(
                x: x, total: total, segments: segments, logits: logits, mode: decodeMode,
                workspace: workspace, recorder: &recorder)
            if logits == .tokenScores {
                scoreTokens(x: x, sequences: sequences, segments: segments, workspace: workspace, recorder: &recorder)
            }
        }
        return recorder.results
    }

    /// Per-pass work buffers, `[total, width]` each, and the panel buffer of products on mapped weights.
    private struct Scratch {
        let xn, q, k, v, z, proj, gate, up: FloatBuffer
        let cos, sin: FloatBuffer
        let workspace: PanelWorkspace
        /// `cos`, `sin`: `[bases, total, ropeHalf]`, each row's RoPE angles for each distinct base.
        init(
            total: Int, d: Int, qDim: Int, kvDim: Int, dFF: Int, ropeHalf: Int, bases: Int, workspace: PanelWorkspace
        ) {
            self.workspace = workspace
            xn = FloatBuffer(count: total * d); proj = FloatBuffer(count: total * d)
            q = FloatBuffer(count: total * qDim); z = FloatBuffer(count: total * qDim)
            k = FloatBuffer(count: total * kvDim); v = FloatBuffer(count: total * kvDim)
            gate = FloatBuffer(count: total * dFF); up = FloatBuffer(count: total * dFF)
            cos = FloatBuffer(count: bases * total * ropeHalf); sin = FloatBuffer(count: bases * total * ropeHalf)
        }
    }

    private func block(
        _ l: Int, x: FloatBuffer, s: Scratch, segments: [(start: Int, count: Int)],
        caches: [KVCache], mode: DecodeMode, recorder: inout ActivationRecorder
    ) {
        let c = config, w = weights.layers[l], total = x.count / c.dModel
        let d = c.dModel, kvDim = c.nKVHeads * c.headDim, qDim = c.nHeads * c.headDim
        recorder.record(.block(l, .residPre), x.pointer)
        Kernels.rmsNorm(x.pointer, w.attnNorm.pointer, s.xn.pointer, rows: total, d: d, eps: c.rmsEpsilon)
        recorder.record(.block(l, .ln1Normalized), s.xn.pointer)
        LinearWeight.apply(
            [(w.q, s.q.pointer), (w.k, s.k.pointer), (w.v, s.v.pointer)], s.xn.pointer, m: total,
            mode: mode, workspace: s.workspace)
        if let b = w.qBias { Kernels.addBias(s.q.pointer, b.pointer, rows: total, width: qDim) }
        if let b = w.kBias { Kernels.addBias(s.k.pointer, b.pointer, rows: total, width: kvDim) }
        if let b = w.vBias { Kernels.addBias(s.v.pointer, b.pointer, rows: total, width: kvDim) }
        recorder.record(.block(l, .attnQ), s.q.pointer)
        recorder.record(.block(l, .attnK), s.k.pointer)
        recorder.record(.block(l, .attnV), s.v.pointer)
        // QK-norm (gemma3, qwen3): RMSNorm over each head's values, in place, before RoPE.
        if let n = w.qNorm {
            Kernels.rmsNorm(
                s.q.pointer, n.pointer, s.q.pointer, rows: total * c.nHeads, d: c.headDim, eps: c.rmsEpsilon)
        }
        if let n = w.kNorm {
            Kernels.rmsNorm(
                s.k.pointer, n.pointer, s.k.pointer, rows: total * c.nKVHeads, d: c.headDim, eps: c.rmsEpsilon)
        }
        let half = c.ropeDim / 2, angles = frequencySet[l] * total * half
        // On the quantised kernels the sequences with one new token (decode steps) run their attention heads in
        // one fork/join; the others (prompts) run attention per sequence.
        let stepAttention = mode != .float32 && c.headDim % 8 == 0
        var stepCaches: [KVCache] = [], stepRows: [Int] = []
        for (i, seg) in segments.enumerated() {
            let cache = caches[i]
            for t in 0..<seg.count {
                let row = seg.start + t, pos = cache.length + t
                let cos = s.cos.pointer + angles + row * half, sin = s.sin.pointer + angles + row * half
                Kernels.rope(
                    s.q.pointer + row * qDim, heads: c.nHeads, headDim: c.headDim, half: half,
                    interleaved: interleavedRope, cos: cos, sin: sin)
                Kernels.rope(
                    s.k.pointer + row * kvDim, heads: c.nKVHeads, headDim: c.headDim, half: half,
                    interleaved: interleavedRope, cos: cos, sin: sin)
                cache.key(l, pos).update(from: s.k.pointer + row * kvDim, count: kvDim)
                cache.value(l, pos).update(from: s.v.pointer + row * kvDim, count: kvDim)
            }
            if stepAttention && seg.count == 1 {
                stepCaches.append(cache); stepRows.append(seg.start)
                continue
            }
            attention(
                layer: l, cache: cache, queries: s.q.pointer + seg.start * qDim, out: s.z.pointer + seg.start * qDim,
                count: seg.count)
        }
        if !stepCaches.isEmpty {
            attentionDecodeStep(
                layer: l, caches: stepCaches, rows: stepRows, queries: s.q.pointer, out: s.z.pointer)
        }
        recorder.record(.block(l, .attnZ), s.z.pointer)
        w.o.apply(s.z.pointer, s.proj.pointer, m: total, mode: mode, workspace: s.workspace)
        // Sandwich norm (gemma3): hook_attn_out is what is added to the residual stream.
        if let n = w.postAttnNorm {
            Kernels.rmsNorm(s.proj.pointer, n.pointer, s.proj.pointer, rows: total, d: d, eps: c.rmsEpsilon)
        }
        recorder.record(.block(l, .attnOut), s.proj.pointer)
        Kernels.add(x.pointer, s.proj.pointer, count: total * d)
        recorder.record(.block(l, .residMid), x.pointer)
        Kernels.rmsNorm(x.pointer, w.ffnNorm.pointer, s.xn.pointer, rows: total, d: d, eps: c.rmsEpsilon)
        recorder.record(.block(l, .ln2Normalized), s.xn.pointer)
        // gate keeps the pre-activation; up becomes act(gate) · up.
        LinearWeight.applyGatedMLP(
            variant.mlpActivation, gate: w.gate, up: w.up, s.xn.pointer, gateOut: s.gate.pointer,
            out: s.up.pointer, m: total, mode: mode, workspace: s.workspace)
        recorder.record(.block(l, .mlpPre), s.gate.pointer)
        recorder.record(.block(l, .mlpPost), s.up.pointer)
        w.down.apply(s.up.pointer, s.proj.pointer, m: total, mode: mode, workspace: s.workspace)
        if let n = w.postFFNNorm {
            Kernels.rmsNorm(s.proj.pointer, n.pointer, s.proj.pointer, rows: total, d: d, eps: c.rmsEpsilon)
        }
        recorder.record(.block(l, .mlpOut), s.proj.pointer)
        Kernels.add(x.pointer, s.proj.pointer, count: total * d)
        recorder.record(.block(l, .residPost), x.pointer)
    }
}
