import Foundation
import Hooks
import Testing
@testable import Probes

/// The within-group AUROC (`ProbeMetrics.withinGroupAUROC`), the `--cv-metric within-group` criterion and the eval
/// report built on them.
struct WithinGroupTests {
    @Test("within-group AUROC averages the groups that hold both labels and ignores which group is easier")
    func metric() {
        // Group a: perfectly ranked; group b: inverted; group c: one label only (left out).
        let scores: [Double] = [1, 2, 3, 4, 10, 9, 8, 7, 5, 6]
        let labels: [UInt8] = [0, 0, 1, 1, 0, 0, 1, 1, 1, 1]
        let groups = ["a", "a", "a", "a", "b", "b", "b", "b", "c", "c"]
        let w = ProbeMetrics.withinGroupAUROC(scores: scores, labels: labels, groups: groups)
        #expect(w.groups == 2 && abs(w.auroc - 0.5) < 1e-12)
        // A score that only says which group a row is in: pooled AUROC high, within-group at chance.
        let groupOnly: [Double] = [0, 0, 0, 0, 1, 1, 1, 1]
        let y: [UInt8] = [0, 0, 0, 1, 1, 1, 1, 0], g = ["a", "a", "a", "a", "b", "b", "b", "b"]
        #expect(ProbeMetrics.auroc(scores: groupOnly, labels: y) > 0.7)
        #expect(ProbeMetrics.withinGroupAUROC(scores: groupOnly, labels: y, groups: g).auroc == 0.5)
        #expect(ProbeMetrics.withinGroupAUROC(scores: [1, 2], labels: [1, 1], groups: ["a", "a"]).groups == 0)
    }

    /// Rows of `groups` topics: feature 0 tells the topic's difficulty (hard topics are mostly wrong) and nothing
    /// within a topic; feature 1 carries a weak signal within every topic.
    static func topics(groups: Int = 12, perGroup: Int = 40, seed: UInt64 = 7) throws -> ProbeDataset {
        var rng = SeededGenerator(seed: seed)
        var x: [Float] = [], labels: [Int] = [], names: [String] = []
        for t in 0..<groups {
            let hard = t % 2 == 0
            for _ in 0..<perGroup {
                let y = rng.nextUnit() < (hard ? 0.2 : 0.8) ? 1 : 0
                x.append(Float((hard ? -1.0 : 1.0) + 0.1 * rng.gaussian()))
                x.append(Float((y == 1 ? 0.6 : -0.6) + rng.gaussian()))
                labels.append(y); names.append("topic\(t)")
            }
        }
        return try ProbeDataset(features: x, dims: 2, labels: labels, groups: names)
    }

    @Test("cross-validation within held-out groups prefers the within-topic signal over topic difficulty")
    func criterion() throws {
        let data = try Self.topics()
        var options = ProbeTrainingOptions()
        options.c = 1
        func cv(_ column: Int, within: Bool) throws -> Double {
            let d = try ProbeDataset(
                features: (0..<data.count).map { data.features[$0 * 2 + column] }, dims: 1,
                labels: data.labels.map(Int.init), groups: data.groups)
            return try ProbeFitter.crossValidatedAUROC(
                d, kind: .logistic, folds: 4, useGroups: true, options: options, withinGroups: within)
        }
        let difficultyFold = try cv(0, within: false), signalFold = try cv(1, within: false)
        let difficultyWithin = try cv(0, within: true), signalWithin = try cv(1, within: true)
        #expect(difficultyFold > signalFold)  // per fold, knowing the hard topics wins
        #expect(abs(difficultyWithin - 0.5) < 0.1 && signalWithin > 0.65)  // within a topic it is worth nothing
        // The choice says which criterion it used.
        let choice = try #require(
            ProbeSelection.choose(
                [.init(position: nil, layer: 0, kind: "logistic", cvAUROC: signalWithin)], folds: 4, grouped: true,
                nRows: data.count, withinGroups: true))
        #expect(choice.withinGroups == true && choice.text.contains("within held-out groups"))
    }

    @Test("eval's within-group report names the best baseline and is absent without both labels in any group")
    func report() throws {
        let labels: [UInt8] = [0, 1, 0, 1]
        let measured = ConfidenceBaselines.Measured(
            result: .init(
                name: "min_logprob", trueWhen: "higher",
                test: ProbeMetrics(scores: [1, 2, 3, 4], probabilities: [0.5, 0.5, 0.5, 0.5], labels: labels),
                missing: 0),
            testScores: [2, 1, 2, 1])
        let r = try #require(
            WithinGroupReport(
                column: "topic", groups: ["a", "a", "b", "b"], labels: labels, probeScores: [1, 2, 3, 4],
                baselines: [measured]))
        #expect(r.groups == 2 && r.probe == 1 && r.bestBaseline?.auroc == 0)
        #expect(r.text.contains("within each topic") && r.text.contains("+1.000"))
        // Each group on its own, listed under the mean and kept in the JSON as per_group.
        #expect(r.perGroup?.map(\.name) == ["a", "b"] && r.perGroup?.map(\.rows) == [2, 2])
        #expect(r.perGroup?.allSatisfy { $0.positives == 1 && $0.probe == 1 && $0.bestBaseline?.auroc == 0 } == true)
        #expect(r.text.contains("\n  topic b (2 rows, 1 true): probe 1.000, best baseline min_logprob 0.000 (+1.000)"))
        let json = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
        #expect(json.contains("\"per_group\""))
        #expect(try JSONDecoder().decode(WithinGroupReport.self, from: Data(json.utf8)) == r)
        // per-group.svg: one pair of bars per group, the probe's and the best baseline's, names escaped.
        let svg = try #require(r.svg(title: "within <topics>"))
        #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>\n") && svg.contains("within &lt;topics&gt;"))
        #expect(svg.contains(">a (2)</text>") && svg.contains(">b (2)</text>"))
        #expect(svg.components(separatedBy: "<title>probe 1.000</title>").count == 3)
        #expect(svg.components(separatedBy: "<title>min_logprob 0.000</title>").count == 3)
        // A report written before per_group decodes, without it.
        let old = #"{"column":"topic","groups":2,"probe":1,"baselines":[{"name":"min_logprob","auroc":0}]}"#
        let decoded = try JSONDecoder().decode(WithinGroupReport.self, from: Data(old.utf8))
        #expect(decoded.perGroup == nil && decoded.probe == 1 && !decoded.text.contains("\n"))
        #expect(decoded.svg(title: "t") == nil)  // nothing per group to draw
        // Many groups: the 40 with the most rows are drawn, and the title says so.
        let many = (0..<50).flatMap { g in Array(repeating: "g\(g)", count: g < 45 ? 4 : 2) }
        let manyLabels = many.indices.map { UInt8($0 % 2) }
        var manyMeasured = measured
        manyMeasured.testScores = many.indices.map { Double($0 % 3) }
        let big = try #require(
            WithinGroupReport(
                column: "topic", groups: many, labels: manyLabels, probeScores: many.indices.map(Double.init),
                baselines: [manyMeasured]))
        let bigSVG = try #require(big.svg(title: "t"))
        #expect(
            bigSVG.contains("the 40 largest of 50 topic groups")
                && bigSVG.components(separatedBy: "<title>probe").count == 41)
        #expect(!bigSVG.contains(">g45 (2)</text>") && bigSVG.contains(">g44 (4)</text>"))
        // A group with one label has no AUROC and no entry.
        var five = measured
        five.testScores = [2, 1, 2, 1, 3]
        let three = try #require(
            WithinGroupReport(
                column: "topic", groups: ["a", "a", "b", "b", "c"], labels: labels + [1], probeScores: [1, 2, 3, 4, 5],
                baselines: [five]))
        #expect(three.perGroup?.map(\.name) == ["a", "b"])
        #expect(
            WithinGroupReport(
                column: "topic", groups: ["a", "a", "b", "b"], labels: [1, 1, 0, 0], probeScores: [1, 2, 3, 4],
                baselines: []) == nil)
    }
}

extension WithinGroupTests {
    @Test("within-group CV on groups that each hold one label says so and names the way out")
    func oneLabelGroups() throws {
        // Every group is all true or all false: no group can be ranked within.
        let labels = (0..<40).map { ($0 / 4) % 2 }
        let data = try ProbeDataset(
            features: (0..<40).map { Float($0 % 7) }, dims: 1, labels: labels,
            groups: (0..<40).map { "g\($0 / 4)" })
        #expect {
            try ProbeFitter.crossValidatedAUROC(
                data, kind: .logistic, folds: 5, useGroups: true, options: ProbeTrainingOptions(), withinGroups: true)
        } throws: { error in
            "\(error)".contains("--cv-metric fold")
                || ((error as? ProbeError)?.description.contains("--cv-metric fold") ?? false)
        }
    }
}
