import ActivationStore
import Foundation
import Hooks

/// Cross-dataset transfer (`polygraph generalize`): train on each dataset, test on every dataset. The diagonal uses
/// the dataset's own held-out split; off-diagonal cells test on every labeled row of the other dataset.
public struct GeneralizationMatrix: Codable, Sendable {
    public var kind: String
    public var hook: HookName
    public var names: [String]
    /// `[train][test]`
    public var auroc: [[Double]]
    public var accuracy: [[Double]]
    public var counts: [Int]
    /// Leave-one-out (`generalize --leave-one-out`): `[i]` is the AUROC on every labeled row of dataset i of one probe
    /// trained on all the other datasets together — a general recipe tested on a topic it never saw.
    public var leaveOneOut: [Double]?
    /// With augmentation files: the same leave-one-out probes trained on the other files plus their augmented
    /// rows (style-augmented variants), tested on the held-out plain file (additive; nil without them).
    public var leaveOneOutAugmented: [Double]?
    /// The model's own confidence on each file, no training: `baselines[column][i]` is the AUROC of that
    /// `/confidence` column (teacher-forced log-prob, entropy, margin) on every labeled row of file i (additive;
    /// nil when the files were captured with `--no-confidence`).
    public var baselines: [String: [Double]]?
    /// The leave-one-out probes against the baseline with the best mean (nil without both).
    public var leaveOneOutMargin: LeaveOneOutMargin?
    /// The augmented leave-one-out probes against the same baseline (nil without both).
    public var leaveOneOutAugmentedMargin: LeaveOneOutMargin?

    enum CodingKeys: String, CodingKey {
        case kind, hook, names, auroc, accuracy, counts, leaveOneOut = "leave_one_out"
        case leaveOneOutAugmented = "leave_one_out_augmented", baselines
        case leaveOneOutMargin = "leave_one_out_margin", leaveOneOutAugmentedMargin = "leave_one_out_augmented_margin"
    }

    /// Mean AUROC of single-dataset probes on the datasets they were not trained on (the off-diagonal cells).
    public var meanTransfer: Double {
        let cells = auroc.indices.flatMap { i in auroc[i].indices.filter { $0 != i }.map { auroc[i][$0] } }.filter(
            \.isFinite)
        return cells.isEmpty ? .nan : cells.reduce(0, +) / Double(cells.count)
    }

    /// Mean of `leaveOneOut` (nil without it).
    public var meanLeaveOneOut: Double? { leaveOneOut.map(Self.finiteMean) }

    /// Mean of `leaveOneOutAugmented` (nil without it).
    public var meanLeaveOneOutAugmented: Double? { leaveOneOutAugmented.map(Self.finiteMean) }

    static func finiteMean(_ values: [Double]) -> Double {
        let finite = values.filter(\.isFinite)
        return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
    }

    /// Computes the matrix; `datasets[i]` is named `names[i]`. `augmented[i]`, when given, holds extra training rows
    /// for `datasets[i]` (its style-augmented variants): the leave-one-out probes are then trained a second time on
    /// the other files plus their augmented rows and tested on the held-out plain file (`leaveOneOutAugmented`).
    public static func compute(
        kind: ProbeKind, hook: HookName, names: [String], datasets: [ProbeDataset],
        plan: ProbeFitter.Plan, leaveOneOut: Bool = false, augmented: [ProbeDataset]? = nil,
        progress: ProgressReport? = nil
    ) throws -> GeneralizationMatrix {
        guard datasets.count >= 2 else {
            throw ProbeError.tooFewRows(
                needed: 2, found: datasets.count, context: "generalisation needs at least two activation files")
        }
        if let augmented, augmented.count != datasets.count {
            throw ProbeError.invalidOption(
                name: "augment-acts", value: "\(augmented.count) files",
                expected: "one per --acts file, in the same order (\(datasets.count))")
        }
        let steps = datasets.count * (leaveOneOut ? (augmented == nil ? 2 : 3) : 1)
        var auroc = [[Double]](repeating: [Double](repeating: .nan, count: datasets.count), count: datasets.count)
        var accuracy = auroc
        for (i, train) in datasets.enumerated() {
            var p = plan
            p.kind = kind
            let outcome = try ProbeFitter.fit(train, plan: p)
            for (j, test) in datasets.enumerated() {
                if i == j {
                    auroc[i][j] = outcome.test?.auroc ?? .nan
                    accuracy[i][j] = outcome.test?.accuracy ?? .nan
                } else {
                    let scores = try outcome.model.rawScores(test)
                    let m = ProbeMetrics(
                        scores: scores, probabilities: scores.map(outcome.calibration.probability), labels: test.labels)
                    auroc[i][j] = m.auroc
                    accuracy[i][j] = m.accuracy
                }
            }
            progress?(i + 1, steps, "trained on \(names[i])")
        }
        var matrix = GeneralizationMatrix(
            kind: kind.cliName, hook: hook, names: names, auroc: auroc, accuracy: accuracy,
            counts: datasets.map(\.count))
        matrix.baselines = baselineAUROCs(datasets)
        if leaveOneOut {
            var p = plan
            p.kind = kind
            p.split = 1  // the held-out dataset is the test
            p.calibrate = false
            let plainScores = try datasets.indices.map { i in
                let others = try ProbeDataset.concatenate(datasets.indices.filter { $0 != i }.map { datasets[$0] })
                let outcome = try ProbeFitter.fit(others, plan: p)
                progress?(datasets.count + i + 1, steps, "trained on all but \(names[i])")
                return try outcome.model.rawScores(datasets[i])
            }
            matrix.leaveOneOut = zip(plainScores, datasets).map { ProbeMetrics.auroc(scores: $0, labels: $1.labels) }
            matrix.leaveOneOutMargin = matrix.margin(datasets, probeScores: plainScores)
            if let augmented {
                let augmentedScores = try datasets.indices.map { i in
                    let others = datasets.indices.filter { $0 != i }
                    let rows = try ProbeDataset.concatenate(others.map { datasets[$0] } + others.map { augmented[$0] })
                    let outcome = try ProbeFitter.fit(rows, plan: p)
                    progress?(2 * datasets.count + i + 1, steps, "trained on all but \(names[i]), augmented")
                    return try outcome.model.rawScores(datasets[i])
                }
                matrix.leaveOneOutAugmented = zip(augmentedScores, datasets).map {
                    ProbeMetrics.auroc(scores: $0, labels: $1.labels)
                }
                matrix.leaveOneOutAugmentedMargin = matrix.margin(datasets, probeScores: augmentedScores)
            }
        }
        return matrix
    }

    /// Leave-one-out scores against the best-mean baseline, on the same rows.
    func margin(_ datasets: [ProbeDataset], probeScores: [[Double]]) -> LeaveOneOutMargin? {
        guard let best = bestBaseline,
            let feature = ConfidenceBaselines.features.first(where: { $0.column == best.name })
        else { return nil }
        let baselineScores = datasets.map { Self.baselineScores($0.confidence![best.name]!, sign: feature.sign) }
        return LeaveOneOutMargin(
            baseline: best.name, probeScores: probeScores, baselineScores: baselineScores,
            labels: datasets.map(\.labels))
    }

    /// AUROC matrix as a fixed-width table (rows: trained on; columns: tested on).
    public func table() -> String {
        let labels = names + (baselines.map { Array($0.keys) } ?? []) + ["+ augmented"]
        let width = max(10, (labels.map(\.count).max() ?? 0) + 1)
        func pad(_ s: String) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
        var out = "AUROC, \(kind) on \(hook) (rows: trained on, columns: tested on; diagonal = held-out split)\n"
        out += pad("") + names.map(pad).joined() + "\n"
        for (i, name) in names.enumerated() {
            out += pad(name) + auroc[i].map { pad($0.isFinite ? String(format: "%.3f", $0) : "n/a") }.joined() + "\n"
        }
        if let leaveOneOut {
            out +=
                pad("all others") + leaveOneOut.map { pad($0.isFinite ? String(format: "%.3f", $0) : "n/a") }.joined()
                + "  (one probe trained on every other file)\n"
        }
        if let leaveOneOutAugmented {
            out +=
                pad("+ augmented")
                + leaveOneOutAugmented.map { pad($0.isFinite ? String(format: "%.3f", $0) : "n/a") }.joined()
                + "  (the same, plus the other files' augmented rows)\n"
        }
        for feature in ConfidenceBaselines.features {
            guard let values = baselines?[feature.column] else { continue }
            out +=
                pad(feature.column) + values.map { pad($0.isFinite ? String(format: "%.3f", $0) : "n/a") }.joined()
                + "  (the model's own confidence, no training; true when \(feature.sign > 0 ? "higher" : "lower"))\n"
        }
        out += String(format: "mean AUROC on unseen files: single-file probes %.3f", meanTransfer)
        if let m = meanLeaveOneOut { out += String(format: ", trained on all others %.3f", m) }
        if let m = meanLeaveOneOutAugmented { out += String(format: ", with augmentation %.3f", m) }
        if let best = bestBaseline {
            out += String(format: "; best confidence baseline %@ %.3f", best.name as NSString, best.mean)
        }
        out += "\n"
        if let m = leaveOneOutMargin { out += m.text(probe: "probe trained on all others") + "\n" }
        if let m = leaveOneOutAugmentedMargin { out += m.text(probe: "with augmentation") + "\n" }
        if baselines == nil { out += "no confidence baselines: the files were captured with --no-confidence\n" }
        return out
    }

    /// SVG heat map of the AUROC matrix.
    public func heatmap() -> String {
        SVGChart.heatmap(
            title: "Generalisation AUROC — \(kind), \(hook)", rowLabels: names, colLabels: names, values: auroc)
    }
}
