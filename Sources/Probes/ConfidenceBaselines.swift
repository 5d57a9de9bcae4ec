import Hooks
import Foundation

/// The model's own confidence as a detector: each `/confidence` column (mean and min token log-prob, mean entropy,
/// mean top-1/top-2 margin) turned into a score, Platt-calibrated on the training rows and measured on the test rows
/// with the same metrics as a probe. A probe earns its place only by beating the best of these
/// (Kadavath et al. 2022, arXiv 2207.05221; Farquhar et al., Nature 2024).
public enum ConfidenceBaselines {
    /// A confidence column and its orientation (+1: higher means more likely true; −1: lower does).
    public struct Feature: Sendable {
        public var column: String
        public var sign: Double
    }

    /// Every baseline, in report order. Entropy is negated: an uncertain model is more often wrong.
    public static let features = [
        Feature(column: "mean_logprob", sign: 1), Feature(column: "min_logprob", sign: 1),
        Feature(column: "mean_entropy", sign: -1), Feature(column: "mean_margin", sign: 1),
    ]

    /// One baseline measured on test rows.
    public struct Result: Codable, Sendable, Equatable {
        /// The `/confidence` column, e.g. `min_logprob`.
        public var name: String
        /// "higher" or "lower": which values the score treats as more likely true.
        public var trueWhen: String
        public var test: ProbeMetrics
        /// Rows whose value was missing (NaN, e.g. an empty answer), scored with the training mean.
        public var missing: Int

        enum CodingKeys: String, CodingKey { case name, trueWhen = "true_when", test, missing }
    }

    /// A baseline's result and its test scores, for comparisons.
    public struct Measured: Sendable {
        public var result: Result
        public var testScores: [Double]
    }

    /// Measures every baseline the data carries: calibrated on `train`, measured on `test`. Empty when the rows
    /// have no confidences (statement files captured with `--no-confidence`, imported states, older files).
    public static func measure(train: ProbeDataset, test: ProbeDataset) throws -> [Measured] {
        guard let trainValues = train.confidence, let testValues = test.confidence else { return [] }
        var out: [Measured] = []
        for feature in features {
            guard let a = trainValues[feature.column], let b = testValues[feature.column] else { continue }
            let known = a.filter(\.isFinite)
            guard !known.isEmpty else { continue }
            let fill = Double(known.reduce(0, +)) / Double(known.count)
            func scores(_ values: [Float]) -> [Double] {
                values.map { feature.sign * ($0.isFinite ? Double($0) : fill) }
            }
            let trainScores = scores(a), testScores = scores(b)
            let calibration = try Calibration(fitting: trainScores, labels: train.labels, fittedOn: "train")
            let metrics = ProbeMetrics(
                scores: testScores, probabilities: testScores.map(calibration.probability),
                labels: test.labels)
            out.append(
                Measured(
                    result: Result(
                        name: feature.column, trueWhen: feature.sign > 0 ? "higher" : "lower",
                        test: metrics, missing: b.filter { !$0.isFinite }.count),
                    testScores: testScores))
        }
        return out
    }

    /// Measures the baselines on the rows `ProbeFitter.fit` would use for `plan` (training and calibration rows to
    /// calibrate, the test split to measure), or on `testData` when the test rows come from separate files.
    public static func measure(_ data: ProbeDataset, plan: ProbeFitter.Plan, testData: ProbeDataset? = nil) throws
        -> [Measured]
    {
        guard data.confidence != nil else { return [] }
        if let testData { return try measure(train: data, test: testData) }
        let rows = try ProbeFitter.rows(data, plan: plan)
        guard !rows.test.isEmpty else { return [] }
        return try measure(train: data.subset((rows.train + rows.calibration).sorted()), test: data.subset(rows.test))
    }

    /// The baseline with the highest test AUROC.
    public static func best(_ measured: [Measured]) -> Measured? {
        measured.filter { $0.result.test.auroc.isFinite }.max { $0.result.test.auroc < $1.result.test.auroc }
    }
}

/// How much a probe beats the best confidence baseline on the same test rows: the AUROC difference with a paired
/// bootstrap 95% interval (Efron & Tibshirani 1993, percentile method).
public struct BaselineComparison: Codable, Sendable, Equatable {
    /// e.g. "logistic, layer 20".
    public var probe: String
    public var baseline: String
    public var probeAUROC: Double
    public var baselineAUROC: Double
    /// probeAUROC − baselineAUROC.
    public var difference: Double
    public var ci95Low: Double
    public var ci95High: Double
    public var resamples: Int
    public var n: Int

    enum CodingKeys: String, CodingKey {
        case probe, baseline, probeAUROC = "probe_auroc", baselineAUROC = "baseline_auroc", difference
        case ci95Low = "ci95_low", ci95High = "ci95_high", resamples, n
    }

    /// Compares `probeScores` with the baseline's scores on the same rows and labels.
    public init(
        probe: String, probeScores: [Double], baseline: ConfidenceBaselines.Measured, labels: [UInt8],
        resamples: Int = 1000, seed: UInt64 = 0
    ) {
        self.probe = probe
        self.baseline = baseline.result.name
        self.n = labels.count
        probeAUROC = ProbeMetrics.auroc(scores: probeScores, labels: labels)
        baselineAUROC = ProbeMetrics.auroc(scores: baseline.testScores, labels: labels)
        difference = probeAUROC - baselineAUROC
        var rng = SeededGenerator(seed: seed ^ 0xB007)
        var differences: [Double] = []
        differences.reserveCapacity(resamples)
        var p = [Double](repeating: 0, count: n), q = p, y = [UInt8](repeating: 0, count: n)
        for _ in 0..<resamples where n > 1 {
            for i in 0..<n {
                let k = rng.below(n)
                p[i] = probeScores[k]; q[i] = baseline.testScores[k]; y[i] = labels[k]
            }
            let d = ProbeMetrics.auroc(scores: p, labels: y) - ProbeMetrics.auroc(scores: q, labels: y)
            if d.isFinite { differences.append(d) }
        }
        self.resamples = differences.count
        (ci95Low, ci95High) = BaselineComparison.percentileInterval(differences)
    }

    /// The 2.5% and 97.5% percentiles of bootstrap `differences` (NaN when there are none).
    static func percentileInterval(_ differences: [Double]) -> (low: Double, high: Double) {
        let sorted = differences.sorted()
        func quantile(_ f: Double) -> Double {
            sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(f * Double(sorted.count)))]
        }
        return (quantile(0.025), quantile(0.975))
    }

    /// One line: "logistic, layer 20 vs min_logprob: AUROC 0.724 vs 0.711, +0.013 (95% CI −0.020 … +0.046)".
    public var text: String {
        let verdict = ci95Low > 0 ? "beats it" : (ci95High < 0 ? "is WORSE than it" : "does not clearly beat it")
        return String(
            format: "best probe (%@) vs best confidence baseline (%@): AUROC %.3f vs %.3f, difference %+.3f "
                + "(95%% CI %+.3f … %+.3f, paired bootstrap, %d resamples of %d test rows): the probe %@",
            probe as NSString, baseline as NSString, probeAUROC, baselineAUROC, difference, ci95Low, ci95High,
            resamples, n, verdict as NSString)
    }
}

extension ConfidenceBaselines.Result {
    /// One line for text reports.
    public var text: String {
        String(
            format:
                "baseline %-13@ (true when %@): accuracy %.3f AUROC %.3f AUPRC %.3f ECE %.3f Brier %.3f recall@5%%FPR %.3f false caught@5%% %.3f%@",
            name as NSString, trueWhen as NSString, test.accuracy, test.auroc, test.auprc, test.ece, test.brier,
            test.recallAt5FPR, test.falseRecallAt5FPR ?? .nan,
            missing > 0 ? " (\(missing) missing)" as NSString : "" as NSString)
    }
}
