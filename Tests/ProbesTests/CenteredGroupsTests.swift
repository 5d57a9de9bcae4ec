import Foundation
import Hooks
import Testing
@testable import Probes

/// `--center-groups`: a probe fitted on rows centred within their groups learns what separates true from false inside
/// a group, not which groups are hard (`ProbeDataset.centeredWithinGroups`).
struct CenteredGroupsTests {
    /// Rows of 16 topics: feature 0 says how hard a topic is (hard topics are mostly wrong) and within a topic is
    /// noise as large as that; feature 1 carries a weak signal within every topic.
    static func topics(seed: UInt64) throws -> ProbeDataset {
        var rng = SeededGenerator(seed: seed)
        var x: [Float] = [], labels: [Int] = [], names: [String] = []
        for t in 0..<16 {
            let hard = t % 2 == 0
            for _ in 0..<50 {
                let y = rng.nextUnit() < (hard ? 0.15 : 0.85) ? 1 : 0
                x.append(Float((hard ? -1.0 : 1.0) + rng.gaussian()))
                x.append(Float((y == 1 ? 0.5 : -0.5) + rng.gaussian()))
                labels.append(y); names.append("topic\(t)")
            }
        }
        return try ProbeDataset(features: x, dims: 2, labels: labels, groups: names)
    }

    @Test("centred rows keep the overall mean, lose each group's offset, and keep missing confidences missing")
    func centring() throws {
        let x: [Float] = [1, 10, 3, 10, 5, 20, 7, 20]  // two groups of two rows, two dimensions
        let data = try ProbeDataset(
            features: x, dims: 2, labels: [0, 1, 0, 1], groups: ["a", "a", "b", "b"],
            confidence: ["mean_logprob": [-1, -3, .nan, -7]])
        let c = try data.centeredWithinGroups()
        // Overall means 4 and 15; group a's 2 and 10, b's 6 and 20.
        #expect(c.features == [3, 15, 5, 15, 3, 15, 5, 15])
        #expect(c.labels == data.labels && c.groups == data.groups)
        // Finite confidences: overall mean −11/3; group a's −2, b's −7 (its NaN neither moved nor counted).
        let m = try #require(c.confidence?["mean_logprob"])
        #expect(abs(m[0] - (-1 + 2 - 11.0 / 3)) < 1e-5 && abs(m[1] - (-3 + 2 - 11.0 / 3)) < 1e-5)
        #expect(m[2].isNaN && abs(m[3] - (-7 + 7 - 11.0 / 3)) < 1e-5)
        var ungrouped = data
        ungrouped.groups = nil
        #expect(throws: ProbeError.self) { try ungrouped.centeredWithinGroups() }
        var options = ProbeTrainingOptions()
        options.centerWithinGroups = true
        #expect(throws: ProbeError.self) { try ProbeTrainer.train(.logistic, on: ungrouped, options: options) }
    }

    @Test("a probe fitted on centred rows ignores the topic-difficulty feature and ranks better within unseen topics")
    func withinTopics() throws {
        let train = try Self.topics(seed: 7), test = try Self.topics(seed: 8)
        var options = ProbeTrainingOptions()
        let plain = try ProbeTrainer.train(.logistic, on: train, options: options)
        options.centerWithinGroups = true
        let centred = try ProbeTrainer.train(.logistic, on: train, options: options)
        let wp = try #require(plain.parameters.weights), wc = try #require(centred.parameters.weights)
        // In standardised units: as they are, the difficulty feature outweighs the signal; centred, it counts little.
        #expect(abs(wp[0]) > abs(wp[1]), "plain weights \(wp)")
        #expect(abs(wc[0]) < 0.25 * abs(wc[1]), "centred weights \(wc)")
        let groups = try #require(test.groups)
        let within = { (m: ProbeModel) in
            ProbeMetrics.withinGroupAUROC(scores: try m.rawScores(test), labels: test.labels, groups: groups).auroc
        }
        #expect(try within(centred) > within(plain) + 0.02)
    }
}
