import Foundation

/// Classification metrics of a probe on labeled rows. "Positive" means a true statement.
public struct ProbeMetrics: Codable, Sendable, Equatable {
    public var n: Int
    public var positives: Int
    /// Fraction correct when P(true) ≥ 0.5 predicts true.
    public var accuracy: Double
    /// Area under the ROC curve (ties count half).
    public var auroc: Double
    /// Average precision (step-wise area under the precision-recall curve, scikit-learn's definition).
    public var auprc: Double
    /// Expected calibration error with 15 equal-width bins on P(true).
    public var ece: Double
    /// Mean squared error of P(true) against the label.
    public var brier: Double
    /// Fraction of true statements scored above the threshold that lets through 1% / 5% of false ones.
    public var recallAt1FPR: Double
    public var recallAt5FPR: Double
    /// The detector's view: fraction of false rows flagged (scored at or below the threshold) when at most 1% / 5% of true
    /// ones are flagged — the wrong answers a gate catches at that false-alarm rate. Absent in files written before
    /// it existed.
    public var falseRecallAt1FPR: Double?
    public var falseRecallAt5FPR: Double?

    enum CodingKeys: String, CodingKey {
        case n, positives, accuracy, auroc, auprc, ece, brier
        case recallAt1FPR = "recall_at_1_fpr", recallAt5FPR = "recall_at_5_fpr"
        case falseRecallAt1FPR = "false_recall_at_1_fpr", falseRecallAt5FPR = "false_recall_at_5_fpr"
    }

    /// Computes every metric from raw scores (for ranking) and calibrated probabilities (for the rest).
    public init(scores: [Double], probabilities: [Double], labels: [UInt8]) {
        n = labels.count
        positives = labels.reduce(0) { $0 + Int($1) }
        var correct = 0, sq = 0.0
        for i in 0..<n {
            if (probabilities[i] >= 0.5) == (labels[i] == 1) { correct += 1 }
            let e = probabilities[i] - Double(labels[i]); sq += e * e
        }
        accuracy = n > 0 ? Double(correct) / Double(n) : .nan
        brier = n > 0 ? sq / Double(n) : .nan
        auroc = ProbeMetrics.auroc(scores: scores, labels: labels)
        auprc = ProbeMetrics.averagePrecision(scores: scores, labels: labels)
        ece = ProbeMetrics.expectedCalibrationError(probabilities: probabilities, labels: labels, bins: 15)
        recallAt1FPR = ProbeMetrics.recall(atFalsePositiveRate: 0.01, scores: scores, labels: labels)
        recallAt5FPR = ProbeMetrics.recall(atFalsePositiveRate: 0.05, scores: scores, labels: labels)
        falseRecallAt1FPR = ProbeMetrics.falseRecall(atTrueFlaggedRate: 0.01, scores: scores, labels: labels)
        falseRecallAt5FPR = ProbeMetrics.falseRecall(atTrueFlaggedRate: 0.05, scores: scores, labels: labels)
    }

    /// Mean AUROC within each group (e.g. topic) that holds both classes, and how many groups counted; NaN and 0
    /// when none does. Pooled AUROC over several topics also rewards knowing which topics the model gets wrong more
    /// often; within a topic only ranking its own answers counts, which is what carries over to unseen topics.
    public static func withinGroupAUROC(scores: [Double], labels: [UInt8], groups: [String]) -> (
        auroc: Double, groups: Int
    ) {
        var rows: [String: [Int]] = [:]
        for (i, g) in groups.enumerated() { rows[g, default: []].append(i) }
        var total = 0.0, used = 0
        for key in rows.keys.sorted() {
            let r = rows[key]!
            let a = auroc(scores: r.map { scores[$0] }, labels: r.map { labels[$0] })
            if a.isFinite { total += a; used += 1 }
        }
        return (used > 0 ? total / Double(used) : .nan, used)
    }

    /// Mann–Whitney AUROC with average ranks for ties; NaN when a class is missing.
    public static func auroc(scores: [Double], labels: [UInt8]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0, i = 0
        let pos = labels.reduce(0) { $0 + Int($1) }, neg = labels.count - pos
        guard pos > 0, neg > 0 else { return .nan }
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let avgRank = Double(i + j) / 2 + 1
            for k in i...j where labels[order[k]] == 1 { rankSum += avgRank }
            i = j + 1
        }
        return (rankSum - Double(pos) * Double(pos + 1) / 2) / (Double(pos) * Double(neg))
    }

    /// Average precision: Σ (R_k − R_{k−1}) P_k over distinct score thresholds, descending.
    public static func averagePrecision(scores: [Double], labels: [UInt8]) -> Double {
        let pos = labels.reduce(0) { $0 + Int($1) }
        guard pos > 0 else { return .nan }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var tp = 0, fp = 0, ap = 0.0, lastRecall = 0.0, i = 0
        while i < order.count {
            var j = i
            while j < order.count && scores[order[j]] == scores[order[i]] {
                if labels[order[j]] == 1 { tp += 1 } else { fp += 1 }
                j += 1
            }
            let recall = Double(tp) / Double(pos), precision = Double(tp) / Double(tp + fp)
            ap += (recall - lastRecall) * precision
            lastRecall = recall
            i = j
        }
        return ap
    }

    /// ECE: Σ_bins (|bin| / n) · |mean P − fraction true| over `bins` equal-width bins of P.
    public static func expectedCalibrationError(probabilities: [Double], labels: [UInt8], bins: Int) -> Double {
        guard !labels.isEmpty else { return .nan }
        var count = [Int](repeating: 0, count: bins), sumP = [Double](repeating: 0, count: bins), sumY = sumP
        for (i, p) in probabilities.enumerated() {
            let b = min(bins - 1, max(0, Int(p * Double(bins))))
            count[b] += 1; sumP[b] += p; sumY[b] += Double(labels[i])
        }
        var ece = 0.0
        for b in 0..<bins where count[b] > 0 { ece += abs(sumP[b] - sumY[b]) / Double(labels.count) }
        return ece
    }

    /// The lowest score threshold t such that the fraction of false rows with score ≥ t is at most `rate`.
    /// Rows scoring ≥ t are accepted as true. Returns +∞ when no false row may pass and some false row has the top score.
    public static func threshold(atFalsePositiveRate rate: Double, scores: [Double], labels: [UInt8]) -> Double {
        let negatives = scores.indices.filter { labels[$0] == 0 }.map { scores[$0] }.sorted(by: >)
        guard !negatives.isEmpty else { return -.infinity }
        let allowed = Int((rate * Double(negatives.count)).rounded(.down) + 1e-9)
        // Accept everything strictly above the (allowed+1)-th highest false score.
        if allowed >= negatives.count { return -.infinity }
        return negatives[allowed].nextUp
    }

    /// Fraction of true rows accepted at the threshold chosen for `rate` false positives.
    public static func recall(atFalsePositiveRate rate: Double, scores: [Double], labels: [UInt8]) -> Double {
        let t = threshold(atFalsePositiveRate: rate, scores: scores, labels: labels)
        let pos = labels.reduce(0) { $0 + Int($1) }
        guard pos > 0 else { return .nan }
        var hit = 0
        for i in scores.indices where labels[i] == 1 && scores[i] >= t { hit += 1 }
        return Double(hit) / Double(pos)
    }

    /// Fraction of false rows flagged when at most `rate` of the true rows are: `recall` with the classes swapped
    /// and the scores negated (a row is flagged when its score is at or below the threshold).
    public static func falseRecall(atTrueFlaggedRate rate: Double, scores: [Double], labels: [UInt8]) -> Double {
        recall(atFalsePositiveRate: rate, scores: scores.map { -$0 }, labels: labels.map { $0 == 1 ? 0 : 1 })
    }
}
