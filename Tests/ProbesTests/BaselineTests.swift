import Foundation
import Hooks
import Testing
import ActivationStore
@testable import Probes

@Suite("Confidence baselines in sweep, train and eval reports")
struct BaselineTests {
    static func sweep(_ path: String) throws -> ProbeSweep.Result {
        let loader = try ActivationLoader(paths: [path])
        return try ProbeSweep.run(
            layers: loader.layers(of: .perLayer(.residPost)), kinds: [.logistic],
            plan: .init(kind: .logistic), files: [path]
        ) { l in
            let hook = HookName.residPost(l)
            return (hook, try loader.dataset(hook: hook))
        }
    }

    @Test("a strong confidence signal beats the probe and the report says the probe is worse")
    func strongBaseline() throws {
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/a.h5", n: 400, layers: 2, seed: 3, confidenceSignal: 6)  // probe AUROC ~0.93
        let result = try Self.sweep(dir + "/a.h5")
        #expect(result.baselines.map(\.name) == ["mean_logprob", "min_logprob", "mean_entropy", "mean_margin"])
        let entropy = try #require(result.baselines.first { $0.name == "mean_entropy" })
        #expect(entropy.trueWhen == "lower" && entropy.test.auroc > 0.9 && entropy.test.n == result.nTest)
        let margin = try #require(result.baselines.first { $0.name == "mean_margin" })
        #expect(abs(margin.test.auroc - 0.5) < 0.2)  // pure noise
        #expect(margin.missing <= 1)
        let comparison = try #require(result.comparison)
        #expect(comparison.difference < 0 && comparison.ci95High < 0 && comparison.n == result.nTest)
        #expect(ProbeSweep.table(result).contains("is WORSE than it"))
        #expect(ProbeSweep.markdown(result).contains("## Against the model's own confidence"))
        #expect(ProbeSweep.plot(result).contains("baseline"))
    }

    @Test("a probe with a real signal beats noise baselines with an interval above zero; JSON carries both")
    func probeBeatsBaseline() throws {
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/a.h5", n: 400, seed: 4, confidenceSignal: 0)
        let result = try Self.sweep(dir + "/a.h5")
        let comparison = try #require(result.comparison)
        #expect(comparison.probe == "logistic, layer 2")
        #expect(comparison.difference > 0.2 && comparison.ci95Low > 0 && comparison.ci95Low <= comparison.difference)
        #expect(comparison.resamples == 1000)
        let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        #expect(json.contains("\"baseline_comparison\"") && json.contains("\"true_when\""))
    }

    @Test(
        "train records the baselines and the comparison in the artifact; eval reports them; files without confidences say so"
    )
    func trainAndEval() throws {
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/a.h5", n: 300, seed: 5, confidenceSignal: 1)
        var plan = ProbeFitter.Plan(kind: .logistic)
        plan.calibrate = true
        let output = try TrainJob.run(paths: [dir + "/a.h5"], plan: plan, layer: .index(2))
        let baselines = try #require(output.artifact.training.baselines)
        #expect(baselines.count == 4 && baselines.allSatisfy { $0.test.n == output.outcome.nTest })
        #expect(output.artifact.training.baselineComparison?.n == output.outcome.nTest)
        try output.artifact.write(to: dir + "/p.json")
        let reread = try ProbeArtifact.load(from: dir + "/p.json")
        #expect(reread.training.baselines == baselines)
        #expect(ProbeSummary(reread).text().contains("best confidence baseline"))
        let evaluation = try TrainJob.evaluate(probePath: dir + "/p.json", paths: [dir + "/a.h5"], allowMismatch: false)
        #expect(evaluation.baselines.count == 4 && evaluation.comparison != nil)
        #expect(evaluation.text().contains("baseline mean_logprob"))

        try StoreFiles.write(dir + "/plain.h5", n: 100, seed: 6)
        let plain = try Self.sweep(dir + "/plain.h5")
        #expect(plain.baselines.isEmpty && plain.comparison == nil)
        #expect(ProbeSweep.table(plain).contains("no confidence baselines"))
    }

    @Test("--choose-C picks C with the layer by cross-validation on the training rows only, and records it")
    func chooseC() throws {
        let dir = StoreFiles.tempDir()
        try StoreFiles.write(dir + "/a.h5", n: 200, d: 40, seed: 8, confidenceSignal: 1)
        final class Steps: @unchecked Sendable { let lock = NSLock(); var all: [String] = [] }
        let steps = Steps()
        let output = try TrainJob.run(
            paths: [dir + "/a.h5"], plan: .init(kind: .hybrid), layer: .best(folds: 3),
            regularization: [1, 0.01],
            progress: { _, _, detail in steps.lock.withLock { steps.all.append(detail) } }, multiLayer: false)
        #expect(steps.all.count == 3 * 2 && steps.all.contains { $0.contains("C 0.01") })
        #expect([1, 0.01].contains(output.artifact.parameters.c ?? -1))
        #expect(output.artifact.parameters.confidenceFeatures == HybridProbe.columns)
        #expect(output.artifact.activationDims == 40 && output.artifact.dims == 44)
    }
}

@Suite("Extra answer positions (question, answer_mean, answer_max)")
struct AnswerPositionTests {
    /// An answer capture whose `answer_max` rows carry the label and whose `/activations` rows are noise.
    static func write(_ path: String, n: Int = 200, d: Int = 6) throws {
        let hook = HookName.residPost(1)
        let header = StoreHeader(
            modelName: "tiny", modelArchitecture: "llama", modelSHA256: "feed", nLayers: 2, dModel: d,
            position: .answer, promptTemplate: "", hooks: [hook])
        let writer = try ActivationWriter.create(path: path, header: header, options: .init(overwrite: true))
        var rng = SeededGenerator(seed: 9)
        var batch = ActivationBatch(examples: [], activations: [:])
        for i in 0..<n {
            let y = Int8(i % 2)
            batch.examples.append(
                ExampleRecord(
                    text: "q\(i)", label: y, source: "qa", nTokens: 3, meta: ["writer": i % 3 == 0 ? "a" : "b"],
                    answer: "a\(i)"))
            batch.activations[hook, default: []] += (0..<d).map { _ in Float(rng.gaussian()) }
            for name in StoreSchema.answerPositions {
                var row = (0..<d).map { _ in Float(rng.gaussian()) }
                if name == .answerMax { row[0] += y == 1 ? 2 : -2 }
                batch.positions[name, default: [:]][hook, default: []] += row
            }
        }
        try writer.append(batch)
        try writer.close()
    }

    @Test("train --answer-position reads /positions, records the position, and eval reads the same rows")
    func trainAndEvaluate() throws {
        let dir = StoreFiles.tempDir()
        try Self.write(dir + "/qa.h5")
        let plain = try TrainJob.run(paths: [dir + "/qa.h5"], plan: .init(kind: .logistic), layer: .index(1))
        let maxed = try TrainJob.run(
            paths: [dir + "/qa.h5"], plan: .init(kind: .logistic), layer: .index(1),
            position: .answerMax)
        #expect(plain.artifact.position == .answer && maxed.artifact.position == .answerMax)
        #expect(plain.outcome.test!.auroc < 0.75 && maxed.outcome.test!.auroc > 0.9)
        try maxed.artifact.write(to: dir + "/p.json")
        let evaluation = try TrainJob.evaluate(
            probePath: dir + "/p.json", paths: [dir + "/qa.h5"], allowMismatch: false)
        #expect(evaluation.metrics.auroc > 0.9)
        #expect(throws: (any Error).self) {
            try TrainJob.run(
                paths: [dir + "/qa.h5"], plan: .init(kind: .logistic), layer: .index(1), position: .last)
        }
    }

    @Test("eval --group-by measures within the groups of any meta column; a column no file has is a clear error")
    func evaluateWithinChosenGroups() throws {
        let dir = StoreFiles.tempDir()
        try Self.write(dir + "/qa.h5")
        let trained = try TrainJob.run(
            paths: [dir + "/qa.h5"], plan: .init(kind: .logistic), layer: .index(1), position: .answerMax)
        try trained.artifact.write(to: dir + "/p.json")
        let plain = try TrainJob.evaluate(probePath: dir + "/p.json", paths: [dir + "/qa.h5"], allowMismatch: false)
        #expect(plain.withinGroups == nil)  // trained without --group-by
        let grouped = try TrainJob.evaluate(
            probePath: dir + "/p.json", paths: [dir + "/qa.h5"], allowMismatch: false, groupBy: "writer")
        let within = try #require(grouped.withinGroups)
        #expect(within.column == "writer" && within.groups == 2 && within.probe > 0.9)
        #expect(within.perGroup?.map(\.name) == ["a", "b"] && grouped.text().contains("writer"))
        #expect(grouped.metrics.auroc == plain.metrics.auroc)
        do {
            _ = try TrainJob.evaluate(
                probePath: dir + "/p.json", paths: [dir + "/qa.h5"], allowMismatch: false, groupBy: "author")
            Issue.record("a missing column was accepted")
        } catch {
            #expect("\(error)".contains("author") && "\(error)".contains("writer"))
        }
    }
}

@Suite("Choosing position × layer × kind by cross-validation on training rows")
struct ProbeSelectionTests {
    @Test("train chooses the informative position by CV, records why, and reads that position")
    func trainChoosesPosition() throws {
        let dir = StoreFiles.tempDir()
        try AnswerPositionTests.write(dir + "/qa.h5")
        let out = try TrainJob.run(
            paths: [dir + "/qa.h5"], plan: .init(kind: .logistic), layer: .best(folds: 3),
            positions: [nil, .question, .answerMean, .answerMax])
        let selection = try #require(out.selection)
        #expect(out.artifact.position == .answerMax && selection.position == .answerMax)
        #expect(selection.candidates == 4 && selection.bestPerPosition.count == 4 && selection.folds == 3)
        // The file's own position is named, never left blank.
        #expect(selection.bestPerPosition.map(\.position) == [.answer, .question, .answerMean, .answerMax])
        #expect(selection.text.contains("answer_max, layer 1, logistic") && selection.text.contains("runner-up"))
        #expect(out.artifact.training.selection == selection && out.outcome.test!.auroc > 0.9)
        // A fixed layer still lets the positions be chosen; the file's own position keeps reading /activations.
        let fixed = try TrainJob.run(
            paths: [dir + "/qa.h5"], plan: .init(kind: .logistic), layer: .index(1),
            positions: [nil, .question])
        #expect(fixed.selection?.candidates == 2 && [.answer, .question].contains(fixed.artifact.position))
    }

    @Test("sweep over positions scores each row by CV on training rows and compares the chosen row with the baselines")
    func sweepChooses() throws {
        let dir = StoreFiles.tempDir()
        try AnswerPositionTests.write(dir + "/qa.h5")
        let loader = try ActivationLoader(paths: [dir + "/qa.h5"])
        let positions: [ProbePosition?] = [.answer, .question, .answerMax]
        let result = try ProbeSweep.run(
            positions: positions, layers: [1], kinds: [.logistic, .massMean],
            plan: .init(kind: .logistic), files: [dir + "/qa.h5"], selectFolds: 3
        ) { p, l in
            let hook = HookName.residPost(l)
            return (hook, try loader.dataset(hook: hook, position: p?.storedExtra))
        }
        #expect(result.rows.count == 6 && result.rows.allSatisfy { $0.cvAUROC != nil })
        #expect(
            result.rows.map(\.position) == [.answer, .answer, .question, .question, .answerMax, .answerMax])
        let selection = try #require(result.selection)
        #expect(selection.position == .answerMax && selection.candidates == 6)
        let table = ProbeSweep.table(result), md = ProbeSweep.markdown(result)
        #expect(table.contains("chosen by 3-fold cross-validation") && table.contains(" cv"))
        #expect(md.contains("## Chosen by cross-validation") && md.contains("| answer_max | 1 |"))
        let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        #expect(json.contains("\"cv_auroc\"") && json.contains("\"selection\""))
        // Without selectFolds nothing is chosen and no CV is spent.
        let plain = try ProbeSweep.run(
            positions: [nil], layers: [1], kinds: [.logistic], plan: .init(kind: .logistic),
            files: [dir + "/qa.h5"]
        ) { _, l in
            (.residPost(l), try loader.dataset(hook: .residPost(l)))
        }
        #expect(plain.selection == nil && plain.rows[0].cvAUROC == nil && plain.rows[0].position == nil)
    }

    @Test("ties go to the earlier candidate; non-finite scores are ignored")
    func chooseRules() throws {
        let c = { (p: ProbePosition, l: Int, a: Double) in
            ProbeSelection.Candidate(position: p, layer: l, kind: "logistic", cvAUROC: a)
        }
        let choice = try #require(
            ProbeSelection.choose(
                [c(.answer, 1, 0.7), c(.question, 2, .nan), c(.answer, 3, 0.7)], folds: 5,
                grouped: true, nRows: 10))
        #expect(choice.layer == 1 && choice.runnerUp?.layer == 3 && choice.candidates == 2)
        #expect(ProbeSelection.choose([c(.answer, 1, .nan)], folds: 5, grouped: false, nRows: 10) == nil)
    }
}
