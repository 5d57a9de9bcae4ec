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

    /// Teacher forcing: logits of row panels of the final-normed states, each row reduced at once to the score of
    /// the token that follows it. Panels run over the rows of all sequences together, so the LM head's weights are
    /// read once per 64 rows rather than once per sequence. Re-normalises from `x` (finalNormAndLogits keeps its
    /// buffer local).
    func scoreTokens(
        x: FloatBuffer, sequences: [[Int32]], segments: [(start: Int, count: Int)],
        workspace: PanelWorkspace, recorder: inout ActivationRecorder
    ) {
        let c = config, d = c.dModel, vocab = c.vocabSize
        let total = segments.reduce(0) { $0 + $1.count }
        let panelRows = max(1, min(64, (16 << 20) / max(1, vocab * 4)))
        let xn = FloatBuffer(count: panelRows * d), out = FloatBuffer(count: panelRows * vocab)
        // Row r of the batch → (sequence, position).
        var owner = [(sequence: Int, position: Int)](repeating: (0, 0), count: total)
        for (i, seg) in segments.enumerated() { for t in 0..<seg.count { owner[seg.start + t] = (i, t) } }
        var scores = segments.map { seg -> [TokenScore] in
            var s: [TokenScore] = []
            s.reserveCapacity(max(0, seg.count - 1))
            return s
        }
        var start = 0
        while start < total {
            let rows = min(panelRows, total - start)
            Kernels.rmsNorm(
                x.pointer + start * d, weights.outputNorm.pointer, xn.pointer, rows: rows, d: d, eps: c.rmsEpsilon)
            weights.output.apply(xn.pointer, out.pointer, m: rows, workspace: workspace)
            for r in 0..<rows {
                let (i, t) = owner[start + r]
                guard t + 1 < segments[i].count else { continue }  // a sequence's last row predicts nothing in it
                scores[i].append(TokenScore.of(sequences[i][t + 1], logits: out.pointer + r * vocab, vocab: vocab))
            }
            start += rows
        }
        for i in segments.indices { recorder.setTokenScores(sequence: i, scores[i]) }
    }
}
