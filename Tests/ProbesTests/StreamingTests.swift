import Foundation
import Testing
import Hooks
@testable import Probes

/// Out-of-core training: the same store trained with its rows in memory and streamed from the file in tiny
/// chunks (several chunks per pass, subsets that skip rows) must agree.
@Suite struct StreamingTests {
    /// A store of two files with unlabeled rows (so streamed views skip rows), layer 2 informative.
    static func files() throws -> (dir: String, paths: [String]) {
        let dir = StoreFiles.tempDir()
        let a = dir + "/a.h5", b = dir + "/b.h5"
        try StoreFiles.write(a, n: 240, d: 16, seed: 3, confidenceSignal: 1)
        try StoreFiles.write(
            b, n: 160, d: 16, labels: (0..<160).map { $0 % 9 == 0 ? -1 : Int8($0 % 2) }, seed: 4,
            source: "more", confidenceSignal: 1)
        return (dir, [a, b])
    }

    static let streamed = MemoryBudget.streamed(chunkRows: 7)
    static let hook = HookName.residPost(2)

    static func maxRelativeDifference(_ a: [Float], _ b: [Float]) -> Double {
        let scale = a.map { abs(Double($0)) }.max() ?? 1
        return zip(a, b).map { abs(Double($0) - Double($1)) }.max().map { $0 / max(scale, 1e-30) } ?? 0
    }

    @Test("streamed rows equal the in-memory rows, subsets and concatenation included")
    func rows() throws {
        let (_, paths) = try Self.files()
        let memory = try ActivationLoader(paths: paths).dataset(hook: Self.hook)
        let stream = try ActivationLoader(paths: paths, budget: Self.streamed).dataset(hook: Self.hook)
        #expect(!memory.rows.isStreamed && stream.rows.isStreamed)
        #expect(stream.count == memory.count && stream.labels == memory.labels && stream.sources == memory.sources)
        #expect(try stream.rows.materialize() == memory.features)
        #expect(stream.rows.chunkCount > 10)
        let picked = [301, 5, 17, 4, 200, 199, 0, 350]
        #expect(try stream.subset(picked).rows.materialize() == memory.subset(picked).features)
        let twice = try ProbeDataset.concatenate([stream.subset(picked), stream.subset([9, 8])])
        #expect(try twice.rows.materialize() == memory.subset(picked + [9, 8]).features)
    }

    @Test("mass-mean and mass-mean-iid agree exactly up to float summation order")
    func massMean() throws {
        let (_, paths) = try Self.files()
        let memory = try ActivationLoader(paths: paths).dataset(hook: Self.hook)
        let stream = try ActivationLoader(paths: paths, budget: Self.streamed).dataset(hook: Self.hook)
        for kind in [ProbeKind.massMean, .massMeanIID] {
            let a = try ProbeTrainer.train(kind, on: memory), b = try ProbeTrainer.train(kind, on: stream)
            #expect(Self.maxRelativeDifference(a.parameters.weights!, b.parameters.weights!) < 1e-5, "\(kind)")
            #expect(Self.maxRelativeDifference(a.normalization.mean, b.normalization.mean) < 1e-6, "\(kind)")
        }
    }

    @Test("logistic through TrainJob: streamed test AUROC within 0.002 of in-memory, same split and weights")
    func logistic() throws {
        let (dir, paths) = try Self.files()
        var plan = ProbeFitter.Plan(kind: .logistic)
        plan.calibrate = true
        let a = try TrainJob.run(paths: paths, plan: plan, layer: .index(2))
        let b = try TrainJob.run(paths: paths, plan: plan, layer: .index(2), budget: Self.streamed)
        #expect(a.outcome.nTest == b.outcome.nTest && a.outcome.testLabels == b.outcome.testLabels)
        #expect(abs(a.outcome.test!.auroc - b.outcome.test!.auroc) <= 0.002)
        #expect(Self.maxRelativeDifference(a.artifact.parameters.weights!, b.artifact.parameters.weights!) < 1e-3)
        #expect(a.artifact.training.baselines?.map(\.name) == b.artifact.training.baselines?.map(\.name))
        // eval streams the same rows and scores them alike.
        try a.artifact.write(to: dir + "/p.json")
        let e1 = try TrainJob.evaluate(probePath: dir + "/p.json", paths: paths, allowMismatch: false)
        let e2 = try TrainJob.evaluate(
            probePath: dir + "/p.json", paths: paths, allowMismatch: false, budget: Self.streamed)
        #expect(abs(e1.metrics.auroc - e2.metrics.auroc) < 1e-9 && e1.flags == e2.flags)
    }

    @Test("layer choice by CV, the MLP's chunked mini-batches and a sweep run streamed")
    func sweepAndMLP() throws {
        let (_, paths) = try Self.files()
        let best = try TrainJob.run(
            paths: paths, plan: .init(kind: .logistic), layer: .best(folds: 3), budget: Self.streamed)
        #expect(best.artifact.training.layer == 2)
        let mlp = try TrainJob.run(paths: paths, plan: .init(kind: .mlp), layer: .index(2), budget: Self.streamed)
        #expect(mlp.outcome.test!.auroc > 0.85)
        let results = try [MemoryBudget.default, Self.streamed].map { budget in
            let loader = try ActivationLoader(paths: paths, budget: budget)
            return try ProbeSweep.run(
                layers: [1, 2], kinds: [.logistic, .massMean], plan: .init(kind: .logistic),
                files: paths, workers: 2
            ) { layer in
                let hook = HookName.residPost(layer)
                return (hook, try loader.dataset(hook: hook))
            }
        }
        for result in results {
            #expect(result.best(kind: "logistic")?.layer == 2)
            #expect(!result.baselines.isEmpty)
        }
        for (a, b) in zip(results[0].rows, results[1].rows) {
            #expect(a.layer == b.layer && a.kind == b.kind)
            #expect(abs(a.test.auroc - b.test.auroc) <= (a.kind == "logistic" ? 0.002 : 1e-6))
        }
        #expect(results[0].baselines == results[1].baselines)
    }

    @Test("TTPD's source means, regression and projection stream too")
    func ttpd() throws {
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/neg.h5", n: 200, d: 16, polarity: true)
        let a = try ActivationLoader(paths: [dir + "/neg.h5"]).dataset(hook: Self.hook)
        let b = try ActivationLoader(paths: [dir + "/neg.h5"], budget: Self.streamed).dataset(hook: Self.hook)
        let ma = try ProbeTrainer.train(.ttpd, on: a), mb = try ProbeTrainer.train(.ttpd, on: b)
        #expect(Self.maxRelativeDifference(ma.parameters.truthDirection!, mb.parameters.truthDirection!) < 1e-4)
        let aurocA = ProbeMetrics.auroc(scores: try ma.rawScores(a), labels: a.labels)
        let aurocB = ProbeMetrics.auroc(scores: try mb.rawScores(b), labels: b.labels)
        #expect(abs(aurocA - aurocB) <= 0.002)
    }

    @Test("generalize streamed matches in memory")
    func generalize() throws {
        let (_, paths) = try Self.files()
        func matrix(_ budget: MemoryBudget) throws -> GeneralizationMatrix {
            let loader = try ActivationLoader(paths: paths, budget: budget)
            let datasets = try loader.sources.indices.map { try loader.dataset(hook: Self.hook, only: [$0]) }
            return try GeneralizationMatrix.compute(
                kind: .massMean, hook: Self.hook, names: ["a", "b"], datasets: datasets,
                plan: .init(kind: .massMean), leaveOneOut: true)
        }
        let a = try matrix(.default), b = try matrix(Self.streamed)
        for (x, y) in zip(a.auroc.joined(), b.auroc.joined()) { #expect(abs(x - y) < 1e-6) }
        for (x, y) in zip(a.leaveOneOut!, b.leaveOneOut!) { #expect(abs(x - y) < 1e-6) }
    }

    @Test("a non-finite value met while streaming names the file and row")
    func nonFinite() throws {
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/nan.h5", nanRow: 33)
        let data = try ActivationLoader(paths: [dir + "/nan.h5"], budget: Self.streamed).dataset(
            hook: .residPost(1))
        #expect(throws: ProbeError.nonFiniteValues(source: dir + "/nan.h5", row: 33, column: 7)) {
            try ProbeTrainer.train(.massMean, on: data)
        }
    }

    @Test("--max-memory sizes parse; rows stream only past the budget")
    func budget() throws {
        #expect(try MemoryBudget(parsing: "512M").bytes == 512 << 20)
        #expect(try MemoryBudget(parsing: "1.5GiB").bytes == 3 << 29)
        #expect(try MemoryBudget(parsing: "4g").bytes == 4 << 30)
        #expect(try MemoryBudget(parsing: "1000").bytes == 1000)
        #expect(throws: ProbeError.self) { try MemoryBudget(parsing: "lots") }
        let budget = MemoryBudget(bytes: 1 << 30)
        #expect(budget.fitsInMemory(rows: 10_000, dims: 4096) && !budget.fitsInMemory(rows: 1_000_000, dims: 4096))
        #expect(budget.chunkRows(dims: 4096) == 4096)
    }
}
