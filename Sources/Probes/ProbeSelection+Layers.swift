import Foundation

/// Multi-layer probes chosen by cross-validation: after the best single layer, its concatenations with the next-best
/// layers (same position and kind, C re-chosen) are scored by the same folds, and one is kept only when it beats the
/// single layer by `margin`.
extension ProbeSelection {
    /// What a concatenation must gain in CV AUROC over the best single layer to be kept.
    public static let concatenationMargin = 0.005
    /// Most layers added to the best single layer (so concatenations of 2, 3 and 4 layers are tried).
    public static let maxExtraLayers = 3

    /// The concatenations tried after the best single layer, and what came of them.
    public struct Concatenation: Codable, Sendable, Equatable {
        /// The best single-layer candidate the concatenations extend.
        public var base: Candidate
        /// The best C of each concatenation tried, smallest first.
        public var tried: [Candidate]
        /// CV AUROC a concatenation had to gain over `base` to be kept.
        public var margin: Double
        /// Whether the best concatenation was kept (it is then the choice's `chosen`).
        public var kept: Bool

        public init(base: Candidate, tried: [Candidate], margin: Double, kept: Bool) {
            self.base = base; self.tried = tried; self.margin = margin; self.kept = kept
        }

        /// The best concatenation tried (ties: the smaller one).
        public var best: Candidate? {
            tried.filter(\.cvAUROC.isFinite).enumerated()
                .max { ($0.element.cvAUROC, -$0.offset) < ($1.element.cvAUROC, -$1.offset) }?.element
        }

        /// One clause: what was tried and why the concatenation was or was not kept.
        public var text: String {
            var out =
                "then \(base.layerLabel) concatenated with its next-best layers (same position and kind"
                + (tried.contains { $0.c != nil } ? ", C re-chosen): " : "): ")
                + tried.map {
                    String(format: "%@ %.3f (%+.3f)", $0.layerLabel as NSString, $0.cvAUROC, $0.cvAUROC - base.cvAUROC)
                }.joined(separator: ", ")
            guard let best else { return out + "; none scored, kept \(base.layerLabel)" }
            let gain = best.cvAUROC - base.cvAUROC
            out +=
                kept
                ? String(
                    format: "; kept %@: CV AUROC %+.3f over %@ alone (at least %.3f needed)",
                    best.layerLabel as NSString, gain, base.layerLabel as NSString, margin)
                : String(
                    // Four decimals when three would round the gain up to the margin ("+0.005, less than 0.005").
                    format: "; kept %@: the best concatenation gains %+.\(gain >= margin - 0.0005 ? 4 : 3)f, "
                        + "less than the %.3f needed", base.layerLabel as NSString, gain, margin)
            return out
        }
    }

    /// Layers to add to `base`, best first: the other single layers at its position and kind ranked by their best CV
    /// AUROC over C (ties: the lower layer), at most `limit`.
    public static func nextBest(after base: Candidate, among candidates: [Candidate], limit: Int = maxExtraLayers)
        -> [Int]
    {
        var best: [Int: Double] = [:]
        for c in candidates
        where c.layers == nil && c.position == base.position && c.kind == base.kind && c.layer != base.layer
            && c.cvAUROC.isFinite
        {
            best[c.layer] = max(best[c.layer] ?? -.infinity, c.cvAUROC)
        }
        return best.sorted { ($0.value, -$0.key) > ($1.value, -$1.key) }.prefix(limit).map(\.key)
    }

    /// The concatenations `[base, next-best 1]`, `[base, 1, 2]`, … for `extra` (what `nextBest` returned).
    public static func concatenations(of base: Int, with extra: [Int]) -> [[Int]] {
        extra.indices.map { [base] + extra.prefix($0 + 1) }
    }

    /// `choice` with the concatenations `tried` recorded (the best C of each); the best becomes the choice when its
    /// CV AUROC beats the single layer's by at least `margin` (the single layer then becomes the runner-up).
    public static func extend(_ choice: Choice, tried: [Candidate], margin: Double = concatenationMargin) -> Choice {
        guard !tried.isEmpty else { return choice }
        var out = choice
        var record = Concatenation(base: choice.chosen, tried: tried, margin: margin, kept: false)
        // A rounding hair below the margin (0.0049999) is not a gain of 0.005.
        if let best = record.best, best.cvAUROC - choice.chosen.cvAUROC >= margin - 1e-12 {
            record.kept = true
            out.runnerUp = choice.chosen
            out.chosen = best
        }
        out.concatenation = record
        return out
    }

    /// The best-C candidate of each concatenation among `candidates` (one per distinct `layers`, in first-seen order).
    public static func bestPerConcatenation(_ candidates: [Candidate]) -> [Candidate] {
        var order: [[Int]] = []
        for c in candidates where !order.contains(c.allLayers) { order.append(c.allLayers) }
        return order.compactMap { layers in
            candidates.filter { $0.allLayers == layers }.enumerated()
                .max { ($0.element.cvAUROC, -$0.offset) < ($1.element.cvAUROC, -$1.offset) }?.element
        }
    }
}
