import Foundation
import Hooks

/// Choosing a probe (answer position, layer, kind, C) by k-fold cross-validation on the training rows only, never
/// on the test rows, and saying why (`sweep --select`, `train --layer best`).
public enum ProbeSelection {
    /// One scored candidate.
    public struct Candidate: Codable, Sendable, Equatable {
        /// Where the activations were read (`answer`, `question`, `answer_mean`, …); nil: the file's own position.
        public var position: ProbePosition?
        /// The layer; of a concatenation, the first of `layers`.
        public var layer: Int
        /// A multi-layer candidate's layers, their rows concatenated in this order (nil: the one `layer`).
        public var layers: [Int]?
        public var kind: String
        /// Logistic/hybrid inverse regularisation, when it was part of the choice.
        public var c: Double?
        /// Mean AUROC over the folds.
        public var cvAUROC: Double

        public init(
            position: ProbePosition?, layer: Int, kind: String, c: Double? = nil, cvAUROC: Double, layers: [Int]? = nil
        ) {
            self.position = position; self.layer = layers?.first ?? layer; self.kind = kind; self.c = c
            self.cvAUROC = cvAUROC
            self.layers = (layers?.count ?? 0) > 1 ? layers : nil
        }

        enum CodingKeys: String, CodingKey { case position, layer, layers, kind, c = "C", cvAUROC = "cv_auroc" }

        /// The layers whose rows the candidate reads: `layers`, or the one `layer`.
        public var allLayers: [Int] { layers ?? [layer] }

        /// `layer 21` or `layers 21+19+23`.
        public var layerLabel: String {
            layers.map { "layers " + $0.map(String.init).joined(separator: "+") } ?? "layer \(layer)"
        }

        /// `answer_mean, layer 21, logistic, C 0.001`.
        public var label: String {
            [position?.rawValue, layerLabel, kind, c.map { String(format: "C %g", $0) }].compactMap { $0 }.joined(
                separator: ", ")
        }
    }

    /// The winner, the runner-up and the best of each position.
    public struct Choice: Codable, Sendable, Equatable {
        public var chosen: Candidate
        public var runnerUp: Candidate?
        /// The best candidate of each position, in the order they were tried (one entry when one position).
        public var bestPerPosition: [Candidate]
        public var candidates: Int
        public var folds: Int
        /// Folds kept whole groups (e.g. topics) apart.
        public var grouped: Bool
        /// CV AUROC is the mean within each held-out group, not each fold's (absent: per fold; additive).
        public var withinGroups: Bool?
        /// Training rows the folds were cut from.
        public var nRows: Int
        /// The concatenations of the best single layer with its next-best layers that were tried after it, and
        /// whether one was kept (additive; nil when none was tried).
        public var concatenation: Concatenation?

        enum CodingKeys: String, CodingKey {
            case chosen, runnerUp = "runner_up", bestPerPosition = "best_per_position", candidates, folds, grouped
            case withinGroups = "cv_within_groups"
            case nRows = "n_rows", concatenation = "multi_layer"
        }

        public var position: ProbePosition? { chosen.position }
        public var layer: Int { chosen.layer }
        /// The chosen layers (one unless a concatenation was kept).
        public var layers: [Int] { chosen.allLayers }
        public var kind: String { chosen.kind }

        /// One paragraph: what was chosen, on what evidence, and what came next.
        public var text: String {
            var out = String(
                format:
                    "chosen by %d-fold %@cross-validation on the %d training rows (test rows unseen): %@, CV AUROC%@ %.3f, best of %d candidates",
                folds, grouped ? "grouped " : "", nRows, chosen.label,
                withinGroups == true ? " within held-out groups" : "", chosen.cvAUROC, candidates)
            if let r = runnerUp {
                out += String(format: "; runner-up %@ at %.3f (%+.3f)", r.label, r.cvAUROC, r.cvAUROC - chosen.cvAUROC)
            }
            if bestPerPosition.count > 1 {
                out +=
                    "; best per position: "
                    + bestPerPosition.map {
                        String(
                            format: "%@ %.3f (layer %d)", ($0.position?.rawValue ?? "?") as NSString, $0.cvAUROC,
                            $0.layer)
                    }.joined(separator: ", ")
            }
            if let concatenation { out += "; " + concatenation.text }
            return out
        }
    }

    /// The candidate with the highest finite CV AUROC (ties: the earlier one), or nil when none has one.
    public static func choose(
        _ candidates: [Candidate], folds: Int, grouped: Bool, nRows: Int, withinGroups: Bool = false
    ) -> Choice? {
        let scored = candidates.filter(\.cvAUROC.isFinite)
        guard
            let best = scored.enumerated().max(by: {
                ($0.element.cvAUROC, -$0.offset) < ($1.element.cvAUROC, -$1.offset)
            })
        else { return nil }
        let rest = scored.enumerated().filter { $0.offset != best.offset }.map(\.element)
        let runnerUp = rest.enumerated().max { ($0.element.cvAUROC, -$0.offset) < ($1.element.cvAUROC, -$1.offset) }?
            .element
        var positions: [ProbePosition?] = []
        for c in scored where !positions.contains(c.position) { positions.append(c.position) }
        let perPosition = positions.compactMap { p in
            scored.filter { $0.position == p }.enumerated()
                .max { ($0.element.cvAUROC, -$0.offset) < ($1.element.cvAUROC, -$1.offset) }?.element
        }
        return Choice(
            chosen: best.element, runnerUp: runnerUp, bestPerPosition: perPosition, candidates: scored.count,
            folds: folds, grouped: grouped, withinGroups: grouped && withinGroups ? true : nil, nRows: nRows)
    }

    /// The choice among sweep rows that carry a CV AUROC.
    public static func choose(
        _ rows: [ProbeSweep.Row], folds: Int, grouped: Bool, nRows: Int, withinGroups: Bool = false
    ) -> Choice? {
        choose(
            rows.compactMap { r in
                r.cvAUROC.map { Candidate(position: r.position, layer: r.layer, kind: r.kind, cvAUROC: $0) }
            }, folds: folds, grouped: grouped, nRows: nRows, withinGroups: withinGroups)
    }

    /// The rows a fit under `plan` trains and calibrates on (every row when the test rows come from other files).
    public static func trainingRows(_ data: ProbeDataset, plan: ProbeFitter.Plan, separateTest: Bool) throws -> [Int] {
        if separateTest || plan.split >= 1 { return Array(0..<data.count) }
        var p = plan
        p.calibrate = false
        return try ProbeFitter.rows(data, plan: p).train
    }

    /// Mean k-fold CV AUROC of `kind` on the training rows of `data` under `plan` (grouped when the plan is).
    public static func crossValidatedAUROC(
        _ data: ProbeDataset, kind: ProbeKind, plan: ProbeFitter.Plan, folds: Int,
        separateTest: Bool, c: Double? = nil
    ) throws -> Double {
        var options = plan.options
        if let c { options.c = c }
        let rows = try trainingRows(data, plan: plan, separateTest: separateTest)
        return try ProbeFitter.crossValidatedAUROC(
            data.subset(rows), kind: kind, folds: folds, useGroups: plan.useGroups,
            options: options, withinGroups: plan.cvWithinGroups)
    }
}
