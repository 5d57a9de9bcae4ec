import Testing
@testable import Probes

@Suite struct CalibrationTests {
    /// Mean distance of the calibrated probabilities from ½ on fresh rows: how sure the probe claims to be.
    static func claimedConfidence(_ plan: ProbeFitter.Plan) throws -> Double {
        // Labels independent of the features: any confidence the probe claims on new rows is overconfidence.
        let train = try Synthetic.dataset(n: 120, d: 200, separation: 0, seed: 3, groups: 6)
        let fresh = try Synthetic.dataset(n: 200, d: 200, separation: 0, seed: 4)
        let out = try ProbeFitter.fit(train, plan: plan)
        let p = try out.model.rawScores(fresh).map(out.calibration.probability)
        return p.map { abs($0 - 0.5) }.reduce(0, +) / Double(p.count)
    }

    @Test("out-of-fold calibration does not inherit the fit's overconfidence; calibrating on the training rows does")
    func outOfFold() throws {
        var plan = ProbeFitter.Plan(kind: .logistic)
        plan.split = 1
        plan.options.c = 10
        plan.useGroups = true
        let onTrain = try Self.claimedConfidence(plan)
        plan.calibrate = true
        plan.calibrationFolds = 5
        let outOfFold = try Self.claimedConfidence(plan)
        #expect(onTrain > 0.3, "a 200-feature fit on 120 noise rows separates them, so train-fitted Platt is sure")
        #expect(outOfFold < 0.1, "out-of-fold scores carry no signal, so Platt should stay near the base rate")
        let out = try ProbeFitter.fit(try Synthetic.dataset(n: 120, d: 8, seed: 5, groups: 6), plan: plan)
        #expect(out.calibration.fittedOn == "out-of-fold")
        #expect(out.calibration.n == 120)
        #expect(out.calibration.a > 0)
    }
}
