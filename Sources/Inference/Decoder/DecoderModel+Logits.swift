import BLASSupport
import CBLAS
import CKernels
import Foundation
import Hooks

/// The LM head: final norm, logits of the rows a forward pass asks for, and teacher-forced token scores.
extension DecoderModel {
    func finalNormAndLogits(
        x: FloatBuffer, total: Int, segments: [(start: Int, count: Int)],
        logits: LogitsRequest, mode: DecodeMode, workspace: PanelWorkspace,
        recorder: inout ActivationRecorder
    ) {
        let c = config, d = c.dModel, vocab = c.vocabSize
        let xn = FloatBuffer(count: total * d)
        Kernels.rmsNorm(x.pointer, weights.outputNorm.pointer, xn.pointer, rows: total, d: d, eps: c.rmsEpsilon)
        recorder.record(.lnFinal, xn.pointer)
        switch logits {
        case .none, .tokenScores: return
        case .last:
            let lastRows = FloatBuffer(count: segments.count * d)
            for (i, seg) in segments.enumerated() {
                (lastRows.pointer + i * d).update(from: xn.pointer + (seg.start + seg.count - 1) * d, count: d)
            }
            if segments.count == 1 {
                // Decode: write the logits straight into the array handed back (no zero fill, no copy).
                let logits = [Float](unsafeUninitializedCapacity: vocab) { buffer, initialized in
                    weights.output.apply(
                        lastRows.pointer, buffer.baseAddress!, m: 1, mode: mode,
                        workspace: workspace)
                    initialized = vocab
                }
                recorder.setLogits(sequence: 0, last: logits, all: nil)
                return
            }
            let out = FloatBuffer(count: segments.count * vocab)
            weights.output.apply(
                lastRows.pointer, out.pointer, m: segments.count, mode: mode,
                workspace: workspace)
            for i in segments.indices {
                recorder.setLogits(sequence: i, last: out.array(i * vocab..<(i + 1) * vocab), all: nil)
            }
        case .all:
            let out = FloatBuffer(count: total * vocab)
            weights.output.apply(xn.pointer, out.pointer, m: total, workspace: workspace)
            for (i, seg) in segments.enumerated() {
                let end = (seg.start + seg.count) * vocab
                recorder.setLogits(
                    sequence: i, last: out.array((end - vocab)..<end),
                    all: out.array((seg.start * vocab)..<end))
            }
        }
    }

    /// Teacher forcing: every row of the final-normed states reduced to the score of the token that follows it.
    /// Up to `scoreGroupRows` rows (of all sequences together) go through the LM head at once, a band of the
    /// vocabulary at a time, each band's logits folded into running per-row sums (`pg_score_band`) before the next:
    /// the LM head is read (dequantised) once per group and the logits held stay within 16 MB whatever the vocabulary.
    /// Re-normalises from `x` (finalNormAndLogits keeps its buffer local).
    func scoreTokens(
        x: FloatBuffer, sequences: [[Int32]], segments: [(start: Int, count: Int)],
        workspace: PanelWorkspace, recorder: inout ActivationRecorder
    ) {
        let c = config, d = c.dModel, vocab = c.vocabSize
        let total = segments.reduce(0) { $0 + $1.count }
        guard total > 0 else { return }
        let groupRows = min(total, Self.scoreGroupRows)
        let band = min(vocab, max(256, (16 << 20) / (4 * groupRows)) / 64 * 64)
        let xn = FloatBuffer(count: groupRows * d), out = FloatBuffer(count: groupRows * band)
        // Row r of the batch → (sequence, position), and the token it predicts (-1 for a sequence's last row).
        var owner = [(sequence: Int, position: Int)](repeating: (0, 0), count: total)
        var next = [Int64](repeating: -1, count: total)
        for (i, seg) in segments.enumerated() {
            for t in 0..<seg.count {
                owner[seg.start + t] = (i, t)
                if t + 1 < seg.count { next[seg.start + t] = Int64(sequences[i][t + 1]) }
            }
        }
        var scores = segments.map { seg -> [TokenScore] in
            var s: [TokenScore] = []
            s.reserveCapacity(max(0, seg.count - 1))
            return s
        }
        var states = [pg_score_state](repeating: pg_score_state(), count: groupRows)
        var targets = [Int64](repeating: -1, count: groupRows)
        var start = 0
        while start < total {
            let rows = min(groupRows, total - start)
            Kernels.rmsNorm(
                x.pointer + start * d, weights.outputNorm.pointer, xn.pointer, rows: rows, d: d, eps: c.rmsEpsilon)
            for r in 0..<rows { pg_score_begin(&states[r]) }
            var first = 0
            while first < vocab {
                let n = min(band, vocab - first)
                weights.output.apply(band: first..<(first + n), xn.pointer, out.pointer, m: rows, workspace: workspace)
                for r in 0..<rows { targets[r] = next[start + r] < 0 ? -1 : next[start + r] - Int64(first) }
                let per = max(1, (rows + 15) / 16)
                states.withUnsafeMutableBufferPointer { s in
                    targets.withUnsafeBufferPointer { t in
                        let (s, t, out) = (s.baseAddress!, t.baseAddress!, out.pointer)
                        PooledProduct.parallelFor((rows + per - 1) / per, threads: QuantizedMatrix.workers) { k in
                            let r0 = k * per, count = min(per, rows - r0)
                            pg_score_rows(out + r0 * n, count, n, t + r0, s + r0)
                        }
                    }
                }
                first += n
            }
            for r in 0..<rows where next[start + r] >= 0 {
                var logprob: Float = 0, entropy: Float = 0, margin: Float = 0
                pg_score_end(&states[r], &logprob, &entropy, &margin)
                scores[owner[start + r].sequence].append(
                    TokenScore(logprob: logprob, entropy: entropy, margin: margin))
            }
            start += rows
        }
        for i in segments.indices { recorder.setTokenScores(sequence: i, scores[i]) }
    }

    /// Rows of one teacher-forcing group (`scoreTokens`): the LM head is dequantised once per group, so larger
    /// groups read it less often; its 16 MB of logits then come in narrower bands.
    static var scoreGroupRows: Int { 1024 }
}
