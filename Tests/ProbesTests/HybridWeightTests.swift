import Foundation
import Hooks
import Testing
@testable import Probes

/// The hybrid probe's confidence weight: under the strong L2 that keeps hundreds of activation dimensions in check,
/// four confidence columns weighted like any one dimension are held back; scaling them up lets them count.
@Suite struct HybridWeightTests {
    /// 200 activation dimensions of which dim 0 carries the truth weakly; `mean_logprob` carries it strongly.
    static func data(_ seed: UInt64, n: Int = 400) throws -> ProbeDataset {
        var rng = SeededGenerator(seed: seed)
        var x: [Float] = [], labels: [Int] = []
        var confidence = [String: [Float]]()
        for i in 0..<n {
            let y = i % 2, sign: Float = y == 1 ? 1 : -1
            var row = (0..<200).map { _ in Float(rng.gaussian()) }
            row[0] += 0.3 * sign
            x += row
            labels.append(y)
            confidence["mean_logprob", default: []].append(Float(rng.gaussian()) + 1.2 * sign - 3)
            confidence["min_logprob", default: []].append(Float(rng.gaussian()) - 6)
            confidence["mean_entropy", default: []].append(Float(rng.gaussian()) + 2)
            confidence["mean_margin", default: []].append(Float(rng.gaussian()) + 1)
        }
        return try ProbeDataset(features: x, dims: 200, labels: labels, confidence: confidence)
    }

    @Test("weight 4 lets the confidences count under strong L2, is stored in the scale, and scores as trained")
    func weight() throws {
        let train = try Self.data(1), test = try Self.data(2)
        var options = ProbeTrainingOptions()
        options.c = 0.001
        options.confidenceWeight = 1
        let plain = try ProbeTrainer.train(.hybrid, on: train, options: options)
        options.confidenceWeight = 4
        let weighted = try ProbeTrainer.train(.hybrid, on: train, options: options)
        #expect(weighted.parameters.confidenceWeight == 4 && plain.parameters.confidenceWeight == 1)
        // The stored scale of each confidence column is its standard deviation divided by the weight.
        for j in 200..<204 {
            #expect(abs(weighted.normalization.scale[j] * 4 - plain.normalization.scale[j]) < 1e-4)
        }
        #expect(weighted.normalization.scale[..<200] == plain.normalization.scale[..<200])
        let aPlain = ProbeMetrics.auroc(scores: try plain.rawScores(test), labels: test.labels)
        let aWeighted = ProbeMetrics.auroc(scores: try weighted.rawScores(test), labels: test.labels)
        #expect(aWeighted > aPlain + 0.02, "weighted \(aWeighted) vs plain \(aPlain)")
        options.confidenceWeight = 0
        #expect(throws: ProbeError.self) { try ProbeTrainer.train(.hybrid, on: train, options: options) }
    }
}
