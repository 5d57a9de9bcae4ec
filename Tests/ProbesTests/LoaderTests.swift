import Foundation
import BLASSupport
import Hooks
import Testing
@testable import Probes

@Suite struct LoaderTests {
    @Test("a probe trains from store files end to end, picks the informative layer, and evaluates")
    func trainFromFiles() throws {
        let dir = StoreFiles.tempDir()
        let a = dir + "/cities.h5", b = dir + "/more.h5"
        try StoreFiles.write(a, seed: 1)
        try StoreFiles.write(b, labels: (0..<200).map { $0 % 10 == 0 ? -1 : Int8($0 % 2) }, seed: 2, source: "more")
        var plan = ProbeFitter.Plan(kind: .logistic)
        plan.calibrate = true
        let reports = Reports()
        let out = try TrainJob.run(
            paths: [a, b], plan: plan, layer: .best(folds: 3), groupBy: "group",
            progress: reports.record, multiLayer: false)
        #expect(out.artifact.training.layer == 2)
        #expect(reports.steps.map(\.done) == [1, 2, 3] && reports.steps.allSatisfy { $0.total == 3 })
        #expect(out.artifact.hook == .residPost(2))
        #expect(out.artifact.training.skippedUnlabeled == 20)
        #expect(out.artifact.training.datasets.map(\.n) == [200, 180])
        #expect(out.artifact.training.datasets[0].sha256.count == 64)
        #expect(out.artifact.calibration.fittedOn == "calibration")
        #expect(out.outcome.test!.auroc > 0.9)
        let path = dir + "/p.json"
        try out.artifact.write(to: path)
        let eval = try TrainJob.evaluate(probePath: path, paths: [a], allowMismatch: false)
        #expect(eval.metrics.auroc > 0.9)
        #expect(eval.flags.values.reduce(0, +) == 200)
    }

    @Test("train chooses among kinds with the layer by cross-validation and records which")
    func chooseKind() throws {
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/a.h5", seed: 1)
        let reports = Reports()
        let out = try TrainJob.run(
            paths: [dir + "/a.h5"], plan: .init(kind: .logistic), layer: .best(folds: 3),
            groupBy: "group", kinds: [.massMean, .logistic], progress: reports.record, multiLayer: false)
        let selection = try #require(out.selection)
        #expect(selection.candidates == 6)
        #expect(reports.steps.last.map { ($0.done, $0.total) } ?? (0, 0) == (6, 6))
        #expect(out.artifact.probeKind == (try ProbeKind(cliName: selection.kind)))
        #expect(out.artifact.training.layer == selection.layer)
        #expect(out.artifact.training.layer == 2)
    }

    @Test("evaluating on another model's activations is refused unless allowed")
    func mismatch() throws {
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/a.h5")
        try StoreFiles.write(dir + "/other.h5", sha: "beef")
        let out = try TrainJob.run(paths: [dir + "/a.h5"], plan: .init(kind: .massMean), layer: .index(1))
        try out.artifact.write(to: dir + "/p.json")
        #expect(throws: ProbeError.incompatibleActivations(field: "model sha256", probe: "feed", activations: "beef")) {
            try TrainJob.evaluate(probePath: dir + "/p.json", paths: [dir + "/other.h5"], allowMismatch: false)
        }
        _ = try TrainJob.evaluate(probePath: dir + "/p.json", paths: [dir + "/other.h5"], allowMismatch: true)
    }

    /// Hardening issue, defect 12: one class used to give AUROC nan in text and a raw EncodingError with --json.
    @Test("evaluating on rows of one class is a clear error, not NaN metrics")
    func evaluateOneClass() throws {
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/a.h5")
        try StoreFiles.write(dir + "/true.h5", n: 50, labels: (0..<50).map { _ in Int8(1) })
        let out = try TrainJob.run(paths: [dir + "/a.h5"], plan: .init(kind: .massMean), layer: .index(1))
        try out.artifact.write(to: dir + "/p.json")
        #expect(throws: ProbeError.singleClass(label: 1, count: 50, context: "evaluation rows of \(dir)/true.h5")) {
            try TrainJob.evaluate(probePath: dir + "/p.json", paths: [dir + "/true.h5"], allowMismatch: false)
        }
    }

    @Test("bad activation files give clear errors: missing hook, one class, all unlabeled, NaN row, mixed widths")
    func badFiles() throws {
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/ok.h5")
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch let e as ProbeError { return e.description } catch {
                return "\(error)"
            }
        }
        let plan = ProbeFitter.Plan(kind: .logistic)
        #expect(
            message { _ = try TrainJob.run(paths: [dir + "/ok.h5"], plan: plan, layer: .index(7)) }
                .contains("no activations for hook 'blocks.7.hook_resid_post'"))
        try StoreFiles.write(dir + "/true.h5", labels: Array(repeating: 1, count: 200))
        #expect(
            message { _ = try TrainJob.run(paths: [dir + "/true.h5"], plan: plan, layer: .index(1)) }
                .contains("all 200 labeled rows are true"))
        try StoreFiles.write(dir + "/unk.h5", labels: Array(repeating: -1, count: 200))
        #expect(
            message { _ = try TrainJob.run(paths: [dir + "/unk.h5"], plan: plan, layer: .index(1)) }
                .contains("all 200 rows have label -1"))
        try StoreFiles.write(dir + "/nan.h5", nanRow: 17)
        #expect(
            message { _ = try TrainJob.run(paths: [dir + "/nan.h5"], plan: plan, layer: .index(1)) }
                .contains("row 17 holds a NaN"))
        try StoreFiles.write(dir + "/wide.h5", d: 12)
        #expect(
            message { _ = try TrainJob.run(paths: [dir + "/ok.h5", dir + "/wide.h5"], plan: plan, layer: .index(1)) }
                .contains("rows have 12 dimensions but earlier inputs have 8"))
        #expect(
            message { _ = try TrainJob.run(paths: [dir + "/ok.h5"], plan: .init(kind: .ttpd), layer: .index(1)) }
                .contains("polarity"))
        #expect(
            message { _ = try TrainJob.run(paths: [dir + "/ok.h5"], plan: plan, layer: .index(1), groupBy: "city") }
                .contains("column 'city' not found"))
        #expect(
            message { _ = try TrainJob.run(paths: [dir + "/missing.h5"], plan: plan, layer: .index(1)) }
                .contains("missing.h5"))
    }

    @Test("TTPD reads the polarity column from the file")
    func polarityColumn() throws {
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/neg.h5", n: 300, polarity: true)
        let loader = try ActivationLoader(paths: [dir + "/neg.h5"])
        let data = try loader.dataset(hook: .residPost(2))
        #expect(data.polarity?.filter { $0 < 0 }.count == 150)
        _ = try TrainJob.run(paths: [dir + "/neg.h5"], plan: .init(kind: .ttpd), layer: .index(2))
    }

    @Test("a sweep reports every layer and kind; the generalisation matrix has one row per file")
    func sweepAndMatrix() throws {
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/a.h5", seed: 3, source: "a")
        try StoreFiles.write(dir + "/b.h5", seed: 4, source: "b")
        let loader = try ActivationLoader(paths: [dir + "/a.h5"])
        let result = try ProbeSweep.run(
            layers: loader.layers(of: .perLayer(.residPost)), kinds: [.logistic, .massMean],
            plan: .init(kind: .logistic), files: [dir + "/a.h5"]
        ) { l in
            let hook = HookName.residPost(l)
            return (hook, try loader.dataset(hook: hook))
        }
        #expect(result.rows.count == 6)
        #expect(result.best(kind: "logistic")?.layer == 2)
        #expect(ProbeSweep.plot(result).hasPrefix("<svg"))
        #expect(ProbeSweep.markdown(result).contains("| logistic | 2 |"))
        let both = try ActivationLoader(paths: [dir + "/a.h5", dir + "/b.h5"])
        let sets = try (0..<2).map { try both.dataset(hook: .residPost(2), only: [$0]) }
        let m = try GeneralizationMatrix.compute(
            kind: .logistic, hook: .residPost(2), names: ["a", "b"],
            datasets: sets, plan: .init(kind: .logistic))
        #expect(m.auroc.count == 2 && m.auroc[0][1] > 0.9)
        #expect(m.heatmap().contains("<rect"))
    }

    @Test("leave-one-out trains one probe on all other sets and tests it on the one left out")
    func leaveOneOut() throws {
        // Four sets share a truth direction (dim 0); the last has it flipped, so only it must fail.
        func set(_ seed: UInt64, sign: Float) throws -> ProbeDataset {
            var rng = SeededGenerator(seed: seed)
            var features: [Float] = [], labels: [Int] = []
            for i in 0..<120 {
                let y = i % 2
                var row = (0..<4).map { _ in Float(rng.gaussian()) }
                row[0] += sign * (y == 1 ? 2 : -2)
                features += row; labels.append(y)
            }
            return try ProbeDataset(features: features, dims: 4, labels: labels)
        }
        let sets = [try set(1, sign: 1), try set(2, sign: 1), try set(4, sign: 1), try set(3, sign: -1)]
        let names = ["a", "b", "c", "flipped"]
        let m = try GeneralizationMatrix.compute(
            kind: .massMean, hook: .residPost(0), names: names, datasets: sets,
            plan: .init(kind: .massMean), leaveOneOut: true)
        let loo = try #require(m.leaveOneOut)
        #expect(loo.count == 4 && loo[0] > 0.9 && loo[1] > 0.9 && loo[2] > 0.9 && loo[3] < 0.1)
        #expect(abs(m.meanLeaveOneOut! - loo.reduce(0, +) / 4) < 1e-12)
        #expect(m.table().contains("all others") && m.table().contains("trained on all others"))
        let plain = try GeneralizationMatrix.compute(
            kind: .massMean, hook: .residPost(0), names: names, datasets: sets,
            plan: .init(kind: .massMean))
        #expect(plain.leaveOneOut == nil && plain.meanLeaveOneOut == nil && plain.meanTransfer.isFinite)
    }
}

@Suite struct SweepParallelTests {
    @Test("a sweep fitted on two threads gives the same rows, in the same order, as a serial one")
    func parallelEqualsSerial() throws {
        // A parallel sweep makes every BLAS call single-threaded, and OpenBLAS's threaded sgemm rounds differently
        // (the MLP's products): so does the serial one here, or whether another suite running in this process had
        // already switched BLAS decided the serial MLP rows' last bits (a flake seen 2026-12-07).
        BLASRuntime.singleThreadedCalls()
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/a.h5", seed: 5, source: "a")
        let loader = try ActivationLoader(paths: [dir + "/a.h5"])
        func sweep(_ workers: Int) throws -> ProbeSweep.Result {
            try ProbeSweep.run(
                layers: loader.layers(of: .perLayer(.residPost)), kinds: [.logistic, .massMean, .mlp],
                plan: .init(kind: .logistic), files: [dir + "/a.h5"], workers: workers
            ) { l in
                let hook = HookName.residPost(l)
                return (hook, try loader.dataset(hook: hook))
            }
        }
        let serial = try sweep(1), parallel = try sweep(2)
        #expect(parallel.rows.map { "\($0.layer) \($0.kind)" } == serial.rows.map { "\($0.layer) \($0.kind)" })
        #expect(parallel.rows.map(\.test) == serial.rows.map(\.test))
        #expect(parallel.nTrain == serial.nTrain && parallel.nTest == serial.nTest)
    }

    @Test("an error while loading a layer stops the sweep with that error, not a partial result")
    func loadErrorPropagates() throws {
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/a.h5", seed: 5, source: "a")
        let loader = try ActivationLoader(paths: [dir + "/a.h5"])
        #expect(throws: ProbeError.self) {
            try ProbeSweep.run(
                layers: [0, 1, 7], kinds: [.logistic], plan: .init(kind: .logistic), files: [dir + "/a.h5"],
                workers: 2
            ) { l in
                let hook = HookName.residPost(l)
                return (hook, try loader.dataset(hook: hook))
            }
        }
    }
}

/// Collects progress reports from any thread.
final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [(done: Int, total: Int, detail: String)] = []

    var steps: [(done: Int, total: Int, detail: String)] { lock.withLock { recorded } }

    var record: ProgressReport {
        { [self] done, total, detail in lock.withLock { recorded.append((done, total, detail)) } }
    }
}
