import Foundation
import Hooks

/// A probe artifact measured on activation files (`polygraph eval`).
public struct ProbeEvaluation: Codable, Sendable {
    public var probe: String
    public var hook: HookName
    /// A multi-layer probe's hooks, in the order their rows are concatenated (nil for a probe of one hook).
    public var hooks: [HookName]?
    public var files: [String]
    public var metrics: ProbeMetrics
    public var skippedUnlabeled: Int
    /// How many rows got each flag under the artifact's thresholds.
    public var flags: [String: Int]
    /// Fraction of false statements flagged ok, and of true statements flagged likely_false.
    public var falseOKRate: Double
    public var trueFlaggedRate: Double
    public var reliability: [ReliabilityBin]
    /// The model's own confidences on the same rows. With no training split here, each is Platt-calibrated on these
    /// rows themselves (two parameters; ranking metrics such as AUROC do not depend on it).
    public var baselines: [ConfidenceBaselines.Result]
    public var comparison: BaselineComparison?
    /// The ECE that sampling alone gives a perfectly calibrated probe on these rows (absent in older reports).
    public var calibrationNoise: CalibrationNoise?
    /// The probe and the baselines within each group of the probe's `group_by` column, when the files carry it
    /// (additive).
    public var withinGroups: WithinGroupReport?

    enum CodingKeys: String, CodingKey {
        case probe, hook, hooks, files, metrics, skippedUnlabeled = "skipped_unlabeled", flags
        case falseOKRate = "false_ok_rate", trueFlaggedRate = "true_flagged_rate", reliability
        case baselines, comparison = "baseline_comparison", calibrationNoise = "ece_if_calibrated"
        case withinGroups = "auroc_within_groups"
    }

    /// Scores every row of `data` with `scorer` (or takes its scores `raw`); with `groupColumn`, `data.groups` are
    /// its values.
    public init(
        scorer: ProbeScorer, data: ProbeDataset, probePath: String, files: [String], groupColumn: String? = nil,
        raw: [Double]? = nil
    ) throws {
        let raw = try raw ?? scorer.model.rawScores(data)
        let p = raw.map(scorer.artifact.calibration.probability)
        metrics = ProbeMetrics(scores: raw, probabilities: p, labels: data.labels)
        probe = probePath
        hook = scorer.artifact.hook
        hooks = scorer.artifact.hooks
        self.files = files
        skippedUnlabeled = data.skippedUnlabeled
        var counts: [String: Int] = [:]
        var falseOK = 0, trueFlagged = 0
        for (i, prob) in p.enumerated() {
            let flag = scorer.flag(pTrue: prob)
            counts[flag.rawValue, default: 0] += 1
            if data.labels[i] == 0 && flag == .ok { falseOK += 1 }
            if data.labels[i] == 1 && flag == .likelyFalse { trueFlagged += 1 }
        }
        flags = counts
        falseOKRate = data.negatives > 0 ? Double(falseOK) / Double(data.negatives) : .nan
        trueFlaggedRate = data.positives > 0 ? Double(trueFlagged) / Double(data.positives) : .nan
        reliability = ReliabilityBin.bins(probabilities: p, labels: data.labels)
        calibrationNoise = CalibrationNoise(probabilities: p, draws: CalibrationNoise.draws(forRows: p.count))
        let measured = try ConfidenceBaselines.measure(train: data, test: data)
        baselines = measured.map(\.result)
        comparison = ConfidenceBaselines.best(measured).map {
            BaselineComparison(
                probe:
                    "\(scorer.artifact.kind), \(scorer.artifact.inputHooks.map(\.description).joined(separator: " + "))",
                probeScores: raw, baseline: $0,
                labels: data.labels)
        }
        if let groupColumn, let groups = data.groups {
            withinGroups = WithinGroupReport(
                column: groupColumn, groups: groups, labels: data.labels, probeScores: raw, baselines: measured)
        }
    }

    /// Human-readable report.
    public func text() -> String {
        var out =
            "probe \(probe) on \(files.joined(separator: ", ")) (\(hooks.map { "hooks " + $0.map(\.description).joined(separator: " + ") } ?? "hook \(hook)"))\n"
        out += "rows: \(metrics.n) labeled (\(metrics.positives) true), \(skippedUnlabeled) unlabeled skipped\n"
        out += String(
            format: "accuracy %.4f  AUROC %.4f  AUPRC %.4f  ECE %.4f  Brier %.4f\n", metrics.accuracy, metrics.auroc,
            metrics.auprc, metrics.ece, metrics.brier)
        if let calibrationNoise { out += calibrationNoise.text(measured: metrics.ece, n: metrics.n) + "\n" }
        out += String(format: "recall at 1%% FPR %.4f  at 5%% FPR %.4f\n", metrics.recallAt1FPR, metrics.recallAt5FPR)
        out += String(
            format: "false caught at 1%% of true flagged %.4f  at 5%% %.4f\n", metrics.falseRecallAt1FPR ?? .nan,
            metrics.falseRecallAt5FPR ?? .nan)
        out +=
            "flags: " + ProbeFlag.allCases.map { "\($0.rawValue) \(flags[$0.rawValue] ?? 0)" }.joined(separator: ", ")
            + "\n"
        out += String(
            format: "false rows (label 0) passed as ok: %.3f; true rows (label 1) flagged likely_false: %.3f\n",
            falseOKRate,
            trueFlaggedRate)
        if baselines.isEmpty { out += "no confidence baselines: these files have no /confidence columns\n" }
        for b in baselines { out += b.text + "\n" }
        if let comparison { out += comparison.text + "\n" }
        if let withinGroups { out += withinGroups.text + "\n" }
        return out
    }

    /// The probe against the best confidence within each group (`per-group.svg`), when the report has groups.
    public func perGroupSVG() -> String? {
        guard let w = withinGroups else { return nil }
        return w.svg(
            title: String(
                format: "AUROC within each %@: probe %.3f, best confidence %.3f (means)", w.column as NSString,
                w.probe, w.bestBaseline?.auroc ?? .nan))
    }

    /// Reliability diagram SVG.
    public func reliabilitySVG() -> String {
        SVGChart.reliability(
            title: String(format: "Reliability (ECE %.3f, n=%d)", metrics.ece, metrics.n)
                + (calibrationNoise.map {
                    String(format: "; perfectly calibrated: %.3f, 95%% ≤ %.3f", $0.expected, $0.upper95)
                }
                    ?? ""),
            bins: reliability)
    }
}
