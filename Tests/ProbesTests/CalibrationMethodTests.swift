import Foundation
import Hooks
import Testing

@testable import Probes

@Suite("Calibration methods: Platt, isotonic, and the choice between them on held-out folds")
struct CalibrationMethodTests {
    @Test("isotonic is pool-adjacent-violators on Platt's targets: non-decreasing, linear between breakpoints")
    func isotonicFit() throws {
        // Scores 1…6 with labels 0 1 0 1 1 1: the violator (2, 3) pools into one block.
        let scores: [Double] = [3, 1, 2, 4, 5, 6], labels: [UInt8] = [0, 0, 1, 1, 1, 1]
        let c = try Calibration(method: "isotonic", fitting: scores, labels: labels, fittedOn: "train")
        let hi = 5.0 / 6, lo = 1.0 / 4  // Platt's targets for 4 true, 2 false
        #expect(c.method == "isotonic" && c.breakpoints == [1, 2, 3, 4, 6])
        let v = try #require(c.values)
        #expect(abs(v[0] - lo) < 1e-12 && abs(v[1] - (hi + lo) / 2) < 1e-12 && abs(v[2] - (hi + lo) / 2) < 1e-12)
        #expect(abs(v[3] - hi) < 1e-12 && abs(v[4] - hi) < 1e-12)
        #expect(abs(c.probability(0) - lo) < 1e-12 && abs(c.probability(100) - hi) < 1e-12)  // flat beyond the ends
        #expect(abs(c.probability(3.5) - ((hi + lo) / 2 + hi) / 2) < 1e-12)  // halfway between 3 and 4
        #expect(c.probability(.nan).isNaN)
        #expect(zip(v, v.dropFirst()).allSatisfy { $0 <= $1 })
        // Tied scores pool before anything else; the Platt fit of the same scores is kept in a and b.
        let platt = try Calibration(fitting: scores, labels: labels, fittedOn: "train")
        #expect(c.a == platt.a && c.b == platt.b && platt.breakpoints == nil)
        let tied = try Calibration(method: "isotonic", fitting: [1, 1, 2, 2], labels: [0, 1, 0, 1], fittedOn: "t")
        #expect(tied.breakpoints == [1, 2] && tied.values?[0] == tied.values?[1])
        #expect(throws: ProbeError.self) {
            try Calibration(method: "spline", fitting: scores, labels: labels, fittedOn: "t")
        }
    }

    @Test("auto picks the method with the lower ECE on held-out folds (isotonic for a step) and records the comparison")
    func choosing() throws {
        // P(true) is a step in the score (0.02 below 0, 0.9 above): isotonic fits it, a sigmoid cannot.
        var rng = SeededGenerator(seed: 5)
        var scores: [Double] = [], labels: [UInt8] = [], folds: [Int] = []
        for i in 0..<2000 {
            let s = Double(rng.gaussian()) * 3
            scores.append(s)
            labels.append(Double(rng.next() % 1000) / 1000 < (s < 0 ? 0.02 : 0.9) ? 1 : 0)
            folds.append(i % 5)
        }
        let c = try Calibration.choosing(
            among: ["platt", "isotonic"], scores: scores, labels: labels, folds: folds, fittedOn: "out-of-fold")
        #expect(c.method == "isotonic")
        #expect(c.chosenBy?.hasPrefix("mean ECE on held-out folds: platt 0.") == true)
        #expect(c.chosenBy?.contains(", isotonic 0.") == true)
        // One candidate: no choice to make, but the record still says what it scored.
        let p = try Calibration.choosing(
            among: ["platt"], scores: scores, labels: labels, folds: folds, fittedOn: "out-of-fold")
        #expect(p.method == "platt" && p.breakpoints == nil && p.chosenBy?.contains("platt 0.") == true)
    }

    @Test("an isotonic artifact round-trips, scores the same, and is validated; a Platt one has no breakpoints")
    func artifact() throws {
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/a.h5", n: 300, seed: 9, confidenceSignal: 1)
        var plan = ProbeFitter.Plan(kind: .logistic)
        plan.calibrate = true
        plan.calibrationFolds = 5
        plan.calibrationMethod = "isotonic"
        let output = try TrainJob.run(paths: [dir + "/a.h5"], plan: plan, layer: .index(2))
        try output.artifact.write(to: dir + "/p.json")
        let reread = try ProbeArtifact.load(from: dir + "/p.json")
        #expect(reread.calibration == output.artifact.calibration && reread.calibration.method == "isotonic")
        #expect(ProbeSummary(reread).text().contains("calibration: isotonic"))
        let evaluation = try TrainJob.evaluate(probePath: dir + "/p.json", paths: [dir + "/a.h5"], allowMismatch: false)
        #expect(evaluation.metrics.n == 300)
        var broken = reread
        broken.calibration.values = broken.calibration.values.map { Array($0.reversed()) }
        #expect(throws: ProbeError.self) { try broken.validate() }
        var stray = reread
        stray.calibration.method = "platt"
        #expect(throws: ProbeError.self) { try stray.validate() }  // breakpoints on a Platt calibration
    }
}
