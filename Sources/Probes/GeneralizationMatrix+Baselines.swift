import Foundation
import Hooks

/// The model's own confidence beside the transfer matrix: a probe that generalises to unseen topics earns its place
/// only if it beats the teacher-forced log-prob of the statement itself (Kadavath et al. 2022, arXiv 2207.05221).
extension GeneralizationMatrix {
    /// `[column][i]`: AUROC on every labeled row of dataset i of one `/confidence` column, oriented as in
    /// `ConfidenceBaselines.features` (no training). Nil when not every dataset carries confidences.
    static func baselineAUROCs(_ datasets: [ProbeDataset]) -> [String: [Double]]? {
        var out: [String: [Double]] = [:]
        for feature in ConfidenceBaselines.features {
            let columns = datasets.map { $0.confidence?[feature.column] }
            guard columns.allSatisfy({ $0 != nil }) else { continue }
            out[feature.column] = zip(datasets, columns).map { data, column in
                ProbeMetrics.auroc(scores: baselineScores(column!, sign: feature.sign), labels: data.labels)
            }
        }
        return out.isEmpty ? nil : out
    }

    /// A confidence column as scores: oriented by `sign`, unknown values (NaN) replaced by the known mean.
    static func baselineScores(_ column: [Float], sign: Double) -> [Double] {
        let known = column.filter(\.isFinite)
        let fill = known.isEmpty ? 0 : Double(known.reduce(0, +)) / Double(known.count)
        return column.map { sign * ($0.isFinite ? Double($0) : fill) }
    }

    /// The baseline column with the highest mean AUROC over the datasets (picked on the test files themselves, which
    /// favours the baseline), or nil without baselines.
    var bestBaseline: (name: String, mean: Double)? {
        (baselines ?? [:]).map { (name: $0.key, mean: Self.finiteMean($0.value)) }.filter { $0.mean.isFinite }
            .max { $0.mean < $1.mean }
    }
}

/// How much the leave-one-out probes beat a confidence baseline on unseen topics: the difference of the mean AUROC
/// over held-out files, with a 95% interval from a paired bootstrap that resamples rows within each file
/// (stratified by file; Efron & Tibshirani 1993, percentile method). The topics themselves are not resampled: the
/// interval says how sure the difference is on these topics, not on others.
public struct LeaveOneOutMargin: Codable, Sendable, Equatable {
    public var baseline: String
    public var probeMean: Double
    public var baselineMean: Double
    /// probeMean − baselineMean.
    public var difference: Double
    public var ci95Low: Double
    public var ci95High: Double
    public var resamples: Int

    enum CodingKeys: String, CodingKey {
        case baseline, probeMean = "probe_mean_auroc", baselineMean = "baseline_mean_auroc", difference
        case ci95Low = "ci95_low", ci95High = "ci95_high", resamples
    }

    /// `probeScores[i]` and `baselineScores[i]` score the rows of held-out file i, whose labels are `labels[i]`.
    public init(
        baseline: String, probeScores: [[Double]], baselineScores: [[Double]], labels: [[UInt8]],
        resamples: Int = 500, seed: UInt64 = 0
    ) {
        self.baseline = baseline
        func mean(_ values: [Double]) -> Double { GeneralizationMatrix.finiteMean(values) }
        probeMean = mean(zip(probeScores, labels).map { ProbeMetrics.auroc(scores: $0, labels: $1) })
        baselineMean = mean(zip(baselineScores, labels).map { ProbeMetrics.auroc(scores: $0, labels: $1) })
        difference = probeMean - baselineMean
        var rng = SeededGenerator(seed: seed ^ 0x1005)
        var differences: [Double] = []
        for _ in 0..<resamples {
            var probe: [Double] = [], base: [Double] = []
            for f in labels.indices {
                let n = labels[f].count
                var p = [Double](repeating: 0, count: n), q = p, y = [UInt8](repeating: 0, count: n)
                for i in 0..<n {
                    let k = rng.below(n)
                    p[i] = probeScores[f][k]; q[i] = baselineScores[f][k]; y[i] = labels[f][k]
                }
                probe.append(ProbeMetrics.auroc(scores: p, labels: y))
                base.append(ProbeMetrics.auroc(scores: q, labels: y))
            }
            let d = mean(probe) - mean(base)
            if d.isFinite { differences.append(d) }
        }
        self.resamples = differences.count
        (ci95Low, ci95High) = BaselineComparison.percentileInterval(differences)
    }

    /// One line: "… vs mean_logprob: mean AUROC 0.661 vs 0.540, +0.121 (95% CI …): the probe beats it".
    public func text(probe: String) -> String {
        let verdict = ci95Low > 0 ? "beats it" : (ci95High < 0 ? "is WORSE than it" : "does not clearly beat it")
        return String(
            format: "%@ vs the model's own confidence (%@, best mean of the baselines): mean AUROC on unseen files "
                + "%.3f vs %.3f, difference %+.3f (95%% CI %+.3f … %+.3f, bootstrap of rows within each file, %d "
                + "resamples): the probe %@",
            probe as NSString, baseline as NSString, probeMean, baselineMean, difference, ci95Low, ci95High, resamples,
            verdict as NSString)
    }
}
