import Foundation
import Hooks

/// `sweep --select` with multi-layer rows: each position and kind's best single layer by CV, concatenated with its
/// next-best layers, fitted and scored beside the single layers.
extension ProbeSweep.Row {
    /// `3` or `3+5+2`.
    public var layerLabel: String { layers.map { $0.map(String.init).joined(separator: "+") } ?? "\(layer)" }

    /// The row as a selection candidate (nil without a CV AUROC).
    var candidate: ProbeSelection.Candidate? {
        cvAUROC.map {
            ProbeSelection.Candidate(position: position, layer: layer, kind: kind, cvAUROC: $0, layers: layers)
        }
    }
}

extension ProbeSweep {
    /// For every position and kind among `rows` (single layers with a CV AUROC): its best layer by CV concatenated
    /// with its 1, 2 and 3 next-best layers, each fitted on the training rows, tested like the single layers and
    /// scored by the same `folds`. Runs on the calling thread, after the single layers.
    static func concatenationFits(
        _ rows: [Row], kinds: [ProbeKind], plan: ProbeFitter.Plan, folds: Int,
        load: (ProbePosition?, [Int]) throws -> (hooks: [HookName], data: ProbeDataset),
        loadTest: ((ProbePosition?, [Int]) throws -> ProbeDataset)?, progress: ProgressReport?
    ) throws -> [Fitted] {
        var positions: [ProbePosition?] = []
        for r in rows where !positions.contains(r.position) { positions.append(r.position) }
        var plans: [(position: ProbePosition?, kind: ProbeKind, layers: [Int])] = []
        for position in positions {
            for kind in kinds {
                let candidates = rows.filter { $0.position == position && $0.kind == kind.cliName }
                    .compactMap(\.candidate)
                guard let base = ProbeSelection.choose(candidates, folds: folds, grouped: false, nRows: 0)?.chosen
                else { continue }
                let extra = ProbeSelection.nextBest(after: base, among: candidates)
                for set in ProbeSelection.concatenations(of: base.layer, with: extra) {
                    plans.append((position, kind, set))
                }
            }
        }
        var out: [Fitted] = []
        let total = rows.count + plans.count
        for unit in plans {
            let (hooks, data) = try load(unit.position, unit.layers)
            let testData = try loadTest?(unit.position, unit.layers)
            var fitted = try fitOne(
                layer: unit.layers[0], hook: hooks.map(\.description).joined(separator: " + "), kind: unit.kind,
                data: data,
                testData: testData, plan: plan)
            fitted.row.position = unit.position
            fitted.row.layers = unit.layers
            fitted.row.cvAUROC = try ProbeSelection.crossValidatedAUROC(
                data, kind: unit.kind, plan: plan, folds: folds, separateTest: testData != nil)
            out.append(fitted)
            progress?(
                rows.count + out.count, total,
                "\(unit.position.map { "\($0) " } ?? "")layers \(fitted.row.layerLabel) \(unit.kind.cliName) "
                    + String(format: "AUROC %.3f, CV %.3f", fitted.row.test.auroc, fitted.row.cvAUROC ?? .nan))
        }
        return out
    }
}
