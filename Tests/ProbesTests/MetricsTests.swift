import Hooks
import Testing
@testable import Probes

@Suite struct MetricsTests {
    @Test("AUROC counts ties as half and is 1 for a perfect ranking")
    func auroc() {
        #expect(ProbeMetrics.auroc(scores: [0.1, 0.2, 0.8, 0.9], labels: [0, 0, 1, 1]) == 1)
        #expect(ProbeMetrics.auroc(scores: [0.9, 0.8, 0.2, 0.1], labels: [0, 0, 1, 1]) == 0)
        #expect(ProbeMetrics.auroc(scores: [0.5, 0.5], labels: [0, 1]) == 0.5)
        // 3 positives, 2 negatives: pairs won (p>n): 0.7>0.3,0.6; 0.4>0.3; 0.2 none → 3 of 6.
        #expect(abs(ProbeMetrics.auroc(scores: [0.7, 0.4, 0.2, 0.3, 0.6], labels: [1, 1, 1, 0, 0]) - 0.5) < 1e-12)
        #expect(ProbeMetrics.auroc(scores: [1, 2], labels: [1, 1]).isNaN)
    }

    @Test("average precision matches the step-wise definition scikit-learn uses")
    func averagePrecision() {
        // sklearn: average_precision_score([1,0,1,1,0],[0.9,0.8,0.7,0.6,0.1]) = (1/3)(1 + 2/3 + 3/4) = 0.80555…
        let ap = ProbeMetrics.averagePrecision(scores: [0.9, 0.8, 0.7, 0.6, 0.1], labels: [1, 0, 1, 1, 0])
        #expect(abs(ap - (1 + 2.0 / 3 + 0.75) / 3) < 1e-12)
    }

    @Test("ECE is zero for perfectly calibrated bins and the mean gap otherwise")
    func ece() {
        let p = [0.25, 0.25, 0.25, 0.25]
        #expect(ProbeMetrics.expectedCalibrationError(probabilities: p, labels: [1, 0, 0, 0], bins: 15) < 1e-12)
        #expect(
            abs(ProbeMetrics.expectedCalibrationError(probabilities: [0.9, 0.9], labels: [0, 0], bins: 15) - 0.9)
                < 1e-12)
    }

    @Test("the ECE chance band: labels drawn from the probabilities stay inside it, a shifted probe does not")
    func calibrationNoise() {
        // 300 rows with probabilities spread over (0, 1), as a test split of answers.
        var rng = SeededGenerator(seed: 5)
        let p = (0..<300).map { _ in 0.02 + 0.96 * rng.nextUnit() }
        let band = CalibrationNoise(probabilities: p)
        #expect(band.draws == 1000)
        // Sampling alone: a few hundredths at n = 300 and 15 bins (Bröcker & Smith's consistency bars).
        #expect(band.expected > 0.03 && band.expected < 0.09)
        #expect(band.upper95 > band.expected)
        // Labels that really follow p: inside the band in most of 40 fresh draws (5% may exceed it by definition).
        var inside = 0
        for _ in 0..<40 {
            let y = p.map { rng.nextUnit() < $0 ? UInt8(1) : 0 }
            if !band.exceeds(ProbeMetrics.expectedCalibrationError(probabilities: p, labels: y, bins: 15)) {
                inside += 1
            }
        }
        #expect(inside >= 33)
        // A probe that claims 0.15 more than the truth everywhere: beyond chance.
        let y = p.map { rng.nextUnit() < max(0, $0 - 0.15) ? UInt8(1) : 0 }
        #expect(band.exceeds(ProbeMetrics.expectedCalibrationError(probabilities: p, labels: y, bins: 15)))
        // The same rows give the same band (fixed seed); larger n narrows it.
        #expect(CalibrationNoise(probabilities: p) == band)
        let big = CalibrationNoise(probabilities: p + p + p + p, draws: 200)
        #expect(big.expected < band.expected * 0.7)
        #expect(CalibrationNoise(probabilities: []).draws == 0)
        // Very large files get fewer draws (at least 100), small ones the full 1,000.
        #expect(CalibrationNoise.draws(forRows: 883) == 1000)
        #expect(CalibrationNoise.draws(forRows: 10_000_000) == 100)
    }

    @Test("the FPR threshold lets through at most the target share of false rows, and recall is measured there")
    func thresholds() {
        // 100 false rows scored 0..99, 10 true rows scored 95..104.
        let scores = (0..<100).map(Double.init) + (95..<105).map(Double.init)
        let labels = [UInt8](repeating: 0, count: 100) + [UInt8](repeating: 1, count: 10)
        let t = ProbeMetrics.threshold(atFalsePositiveRate: 0.05, scores: scores, labels: labels)
        let passed = (0..<100).filter { Double($0) >= t }.count
        #expect(passed == 5)
        #expect(ProbeMetrics.recall(atFalsePositiveRate: 0.05, scores: scores, labels: labels) == 1.0)
        // At 1% FPR only scores ≥ 99.x pass: true rows 100…104 → 5 of 10... plus 99 is a false row, so threshold just above 98.
        let r1 = ProbeMetrics.recall(atFalsePositiveRate: 0.01, scores: scores, labels: labels)
        #expect(r1 == 0.6)
    }

    @Test("the detector's recall: false rows flagged when at most the target share of true rows is flagged")
    func falseRecall() {
        // 20 true rows scored 10…29, 10 false rows scored 0…9 and one false row scored 25 (hidden among the true).
        let scores = (10..<30).map(Double.init) + (0..<10).map(Double.init) + [25]
        let labels = [UInt8](repeating: 1, count: 20) + [UInt8](repeating: 0, count: 11)
        // 5% of 20 true rows = 1 may be flagged: the threshold sits at the true row scored 10, so flagged = score ≤ 10
        // catches the ten low false rows and misses the one scored 25.
        #expect(
            abs(ProbeMetrics.falseRecall(atTrueFlaggedRate: 0.05, scores: scores, labels: labels) - 10.0 / 11) < 1e-12)
        // 1% of 20 = 0 true rows may be flagged: still all ten low false rows (scores < 10) are caught.
        #expect(
            abs(ProbeMetrics.falseRecall(atTrueFlaggedRate: 0.01, scores: scores, labels: labels) - 10.0 / 11) < 1e-12)
        // A true row at the very bottom (score −1) leaves no room at 1%: nothing at or above −1 may be flagged, so no
        // false row is caught.
        var low = scores
        low[0] = -1
        #expect(ProbeMetrics.falseRecall(atTrueFlaggedRate: 0.01, scores: low, labels: labels) == 0)
        let m = ProbeMetrics(scores: scores, probabilities: scores.map { $0 / 30 }, labels: labels)
        #expect(
            m.falseRecallAt5FPR == ProbeMetrics.falseRecall(atTrueFlaggedRate: 0.05, scores: scores, labels: labels))
    }

    @Test("Platt scaling recovers a known logistic relation and flag thresholds meet their target rates")
    func platt() throws {
        var rng = SeededGenerator(seed: 11)
        var scores: [Double] = [], labels: [UInt8] = []
        for _ in 0..<4000 {
            let s = rng.gaussian() * 3
            let p = 1 / (1 + exp(-(0.5 * s - 0.3)))
            scores.append(s); labels.append(rng.nextUnit() < p ? 1 : 0)
        }
        let cal = try Calibration(fitting: scores, labels: labels, fittedOn: "calibration")
        #expect(abs(cal.a - 0.5) < 0.06)
        #expect(abs(cal.b + 0.3) < 0.1)
        let probs = scores.map(cal.probability)
        let th = FlagThresholds(choosingOn: probs, labels: labels, maxFalseOK: 0.05, maxTrueFlagged: 0.1)
        let negatives = labels.indices.filter { labels[$0] == 0 }, positives = labels.indices.filter { labels[$0] == 1 }
        let falseOK = Double(negatives.filter { probs[$0] >= th.uncertain }.count) / Double(negatives.count)
        let trueFlagged = Double(positives.filter { probs[$0] < th.likelyFalse }.count) / Double(positives.count)
        #expect(falseOK <= 0.05 && falseOK > 0.04)
        #expect(trueFlagged <= 0.1 && trueFlagged > 0.09)
        #expect(th.likelyFalse <= th.uncertain)
    }
}

@Suite struct SplitTests {
    @Test("a grouped split with few unequal groups, all mostly false, never leaves a side empty (any seed)")
    func fewUnequalGroups() throws {
        // The topic sizes and right answers of 1,000 graded factqa answers: one topic holds 43% of the rows.
        let sizes = [
            (426, 130), (80, 0), (156, 11), (23, 2), (40, 12), (49, 22), (24, 0), (74, 2), (27, 11), (38, 14),
            (44, 14), (19, 1),
        ]
        var labels: [UInt8] = [], groups: [String] = []
        for (g, (n, right)) in sizes.enumerated() {
            labels += (0..<n).map { $0 < right ? 1 : 0 }
            groups += Array(repeating: "topic\(g)", count: n)
        }
        for seed in 0..<64 as Range<UInt64> {
            let split = try DataSplit.stratified(labels: labels, trainFraction: 0.8, seed: seed, groups: groups)
            #expect(!split.train.isEmpty && !split.test.isEmpty, "seed \(seed)")
            #expect(Set(split.train.map { groups[$0] }).isDisjoint(with: split.test.map { groups[$0] }))
        }
    }

    @Test("a stratified split keeps the class balance on both sides and is fixed by the seed")
    func stratified() throws {
        let labels = (0..<1000).map { UInt8($0 % 4 == 0 ? 1 : 0) }
        let a = try DataSplit.stratified(labels: labels, trainFraction: 0.8, seed: 3)
        #expect(a.train.count == 800)
        #expect(a.train.filter { labels[$0] == 1 }.count == 200)
        #expect(Set(a.train).isDisjoint(with: a.test))
        #expect(try DataSplit.stratified(labels: labels, trainFraction: 0.8, seed: 3) == a)
        #expect(try DataSplit.stratified(labels: labels, trainFraction: 0.8, seed: 4) != a)
    }

    @Test("a split by group never puts one group on both sides")
    func grouped() throws {
        let labels = (0..<300).map { UInt8($0 % 2) }
        let groups = (0..<300).map { "city\($0 / 6)" }
        let s = try DataSplit.stratified(labels: labels, trainFraction: 0.75, seed: 1, groups: groups)
        #expect(Set(s.train.map { groups[$0] }).isDisjoint(with: Set(s.test.map { groups[$0] })))
        #expect(abs(Double(s.train.count) / 300 - 0.75) < 0.05)
        let folds = try DataSplit.kFold(labels: labels, k: 5, seed: 2, groups: groups)
        for f in folds { #expect(Set(f.train.map { groups[$0] }).isDisjoint(with: Set(f.test.map { groups[$0] }))) }
    }

    @Test("k folds cover every row once as test rows")
    func kFold() throws {
        let labels = (0..<103).map { UInt8($0 % 3 == 0 ? 1 : 0) }
        let folds = try DataSplit.kFold(labels: labels, k: 5, seed: 9)
        #expect(folds.flatMap(\.test).sorted() == Array(0..<103))
        for f in folds {
            #expect(f.train.count + f.test.count == 103)
            let share = Double(f.test.filter { labels[$0] == 1 }.count) / Double(f.test.count)
            #expect(abs(share - 35.0 / 103) < 0.05)
        }
        #expect(throws: ProbeError.self) { try DataSplit.kFold(labels: labels, k: 1, seed: 0) }
    }
}

import Foundation
