import Foundation
import Hooks
import Testing
@testable import Probes

/// `generalize` reports the model's own confidence beside every transfer number (issue 12 item 1): per-file baseline
/// AUROCs, and the leave-one-out probes' margin over the best baseline with a bootstrap interval.
@Suite struct GeneralizationBaselineTests {
    /// Dim 0 carries the truth with strength `signal`; the `mean_logprob` column carries it with strength
    /// `confidence` (min_logprob is pure noise, some values unknown).
    static func set(_ seed: UInt64, signal: Float, confidence: Float, withConfidence: Bool = true) throws
        -> ProbeDataset
    {
        var rng = SeededGenerator(seed: seed)
        var features: [Float] = [], labels: [Int] = [], mean: [Float] = [], min: [Float] = []
        for i in 0..<200 {
            let y = i % 2
            var row = (0..<3).map { _ in Float(rng.gaussian()) }
            row[0] += (y == 1 ? 1 : -1) * signal
            features += row
            labels.append(y)
            mean.append(Float(rng.gaussian()) + (y == 1 ? 1 : -1) * confidence - 2)
            min.append(i % 17 == 0 ? .nan : Float(rng.gaussian()) - 5)
        }
        return try ProbeDataset(
            features: features, dims: 3, labels: labels,
            confidence: withConfidence ? ["mean_logprob": mean, "min_logprob": min] : nil)
    }

    @Test("a probe that carries more than the confidence beats it; one that carries less is reported worse")
    func margins() throws {
        let strong = try (0..<3).map { try Self.set(UInt64($0) + 1, signal: 1.5, confidence: 0.3) }
        let m = try GeneralizationMatrix.compute(
            kind: .logistic, hook: .residPost(0), names: ["a", "b", "c"], datasets: strong,
            plan: .init(kind: .logistic),
            leaveOneOut: true)
        let baselines = try #require(m.baselines)
        #expect(Set(baselines.keys) == ["mean_logprob", "min_logprob"])
        #expect(baselines["mean_logprob"]!.allSatisfy { $0 > 0.55 && $0 < 0.8 })
        #expect(baselines["min_logprob"]!.allSatisfy { abs($0 - 0.5) < 0.15 })
        let margin = try #require(m.leaveOneOutMargin)
        #expect(margin.baseline == "mean_logprob")
        #expect(margin.difference > 0.1 && margin.ci95Low > 0, "\(margin)")
        let table = m.table()
        #expect(table.contains("mean_logprob") && table.contains("the probe beats it"), "\(table)")
        // Every row label, a baseline's included, stands apart from its first number.
        for line in table.split(separator: "\n") where line.hasPrefix("mean_") || line.hasPrefix("min_") {
            #expect(line.contains(" "), "\(line)")
            let label = line.prefix { $0 != " " }
            #expect(["mean_logprob", "min_logprob"].contains(String(label)), "\(line)")
        }
        let json = String(decoding: try JSONEncoder().encode(m), as: UTF8.self)
        #expect(json.contains("\"leave_one_out_margin\"") && json.contains("\"baselines\""))

        let weak = try (0..<3).map { try Self.set(UInt64($0) + 7, signal: 0.1, confidence: 1.5) }
        let w = try GeneralizationMatrix.compute(
            kind: .logistic, hook: .residPost(0), names: ["a", "b", "c"], datasets: weak, plan: .init(kind: .logistic),
            leaveOneOut: true)
        let worse = try #require(w.leaveOneOutMargin)
        #expect(worse.difference < -0.2 && worse.ci95High < 0, "\(worse)")
        #expect(w.table().contains("is WORSE than it"))
    }

    @Test("files without confidences say so and carry no margin")
    func noConfidence() throws {
        let plain = try (0..<2).map { try Self.set(UInt64($0) + 20, signal: 1, confidence: 0, withConfidence: false) }
        let m = try GeneralizationMatrix.compute(
            kind: .logistic, hook: .residPost(0), names: ["a", "b"], datasets: plain, plan: .init(kind: .logistic),
            leaveOneOut: true)
        #expect(m.baselines == nil && m.leaveOneOutMargin == nil)
        #expect(m.table().contains("--no-confidence"))
    }
}
