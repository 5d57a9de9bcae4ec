import Testing
@testable import Probes

@Suite struct BadInputTests {
    @Test("rows labeled -1 are skipped and counted; all -1 is a clear error")
    func unlabeled() throws {
        let d = try ProbeDataset(features: [1, 2, 3, 4, 5, 6], dims: 2, labels: [1, -1, 0])
        #expect(d.count == 2 && d.skippedUnlabeled == 1)
        #expect(d.features == [1, 2, 5, 6])
        #expect(throws: ProbeError.noLabeledRows(skipped: 3)) {
            try ProbeDataset(features: [1, 2, 3, 4, 5, 6], dims: 2, labels: [-1, -1, -1])
        }
    }

    @Test("NaN or infinite activations name the row and column")
    func nonFinite() {
        #expect(throws: ProbeError.nonFiniteValues(source: "cities.h5", row: 1, column: 0)) {
            try ProbeDataset(features: [1, 2, .nan, 4], dims: 2, labels: [1, 0], sourceName: "cities.h5")
        }
        #expect(throws: ProbeError.nonFiniteValues(source: "x", row: 0, column: 1)) {
            try ProbeDataset(features: [1, .infinity, 3, 4], dims: 2, labels: [1, 0], sourceName: "x")
        }
    }

    @Test("one class only is refused by every kind with a message naming the class", arguments: ProbeKind.allCases)
    func singleClass(kind: ProbeKind) throws {
        let d = try ProbeDataset(
            features: (0..<40).map(Float.init), dims: 4, labels: Array(repeating: 1, count: 10),
            polarity: Array(repeating: 1, count: 10),
            confidence: ["mean_logprob": Array(repeating: -1, count: 10)])
        do { _ = try ProbeTrainer.train(kind, on: d); Issue.record("trained on one class") } catch let e as ProbeError {
            #expect(e.description.contains("all 10 labeled rows are true"))
        }
    }

    @Test("datasets of different widths cannot be combined")
    func mismatchedDims() throws {
        let a = try ProbeDataset(features: [1, 2, 3, 4], dims: 2, labels: [1, 0], sourceName: "a.h5")
        let b = try ProbeDataset(features: [1, 2, 3, 4, 5, 6], dims: 3, labels: [1, 0], sourceName: "b.h5")
        #expect(throws: ProbeError.dimensionMismatch(source: "b.h5", expected: 2, found: 3)) {
            try ProbeDataset.concatenate([a, b])
        }
        #expect(throws: ProbeError.self) { try ProbeDataset(features: [1, 2, 3], dims: 2, labels: [1, 0]) }
        #expect(throws: ProbeError.invalidLabel(row: 1, value: 2)) {
            try ProbeDataset(features: [1, 2, 3, 4], dims: 2, labels: [1, 2])
        }
    }

    @Test("constant features give a finite probe rather than NaN weights")
    func constantFeatures() throws {
        // Every column constant except one; standardisation must not divide by zero.
        var x: [Float] = []
        for i in 0..<40 { x += [5, 5, Float(i % 2) + 0.1 * Float(i % 5), 5] }
        let d = try ProbeDataset(features: x, dims: 4, labels: (0..<40).map { $0 % 2 })
        for kind in [ProbeKind.logistic, .massMean, .massMeanIID] {
            let m = try ProbeTrainer.train(kind, on: d)
            let finite = try m.rawScores(d).allSatisfy { $0.isFinite }
            #expect(finite, "\(kind)")
        }
    }

    @Test("a grouped split asks for a group column when none was read")
    func missingGroups() throws {
        let d = try Synthetic.dataset(n: 40, d: 4)
        var plan = ProbeFitter.Plan(kind: .logistic)
        plan.useGroups = true
        #expect(throws: ProbeError.self) { try ProbeFitter.fit(d, plan: plan) }
    }
}
