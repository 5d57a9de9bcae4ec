import Foundation
import Testing
import Hooks
@testable import Probes

@Suite("Multi-layer probes: concatenated layers, chosen by cross-validation")
struct MultiLayerTests {
    @Test("train --layer best keeps the concatenation when it beats the single layer by the margin, and says why")
    func bestChoosesConcatenation() throws {
        let dir = StoreFiles.tempDir()
        try MultiLayerStore.write(dir + "/split.h5")
        let reports = Reports()
        let out = try TrainJob.run(
            paths: [dir + "/split.h5"], plan: .init(kind: .logistic), layer: .best(folds: 3), groupBy: "group",
            regularization: [1, 0.1], progress: reports.record)
        let selection = try #require(out.selection)
        let concatenation = try #require(selection.concatenation)
        #expect(concatenation.kept && concatenation.base.layers == nil)
        #expect(concatenation.tried.count == 3 && concatenation.tried.map { $0.allLayers.count } == [2, 3, 4])
        #expect(selection.layers.count >= 2 && selection.layers.contains(1) && selection.layers.contains(2))
        #expect(selection.layers[0] == concatenation.base.layer && selection.runnerUp == concatenation.base)
        #expect(selection.chosen.cvAUROC >= concatenation.base.cvAUROC + ProbeSelection.concatenationMargin)
        #expect(
            selection.text.contains("concatenated with its next-best layers") && selection.text.contains("kept layers"))
        // 4 single layers × 2 C, then 3 concatenations × 2 C, reported as one run.
        #expect(reports.steps.map(\.done) == Array(1...14) && reports.steps.last?.total == 14)
        let a = out.artifact
        #expect(a.hooks == selection.layers.map { .residPost($0) } && a.hook == a.hooks?[0])
        #expect(a.dims == 8 * selection.layers.count && a.training.layer == selection.layers[0])
        #expect(a.training.selection == selection && out.outcome.test!.auroc > 0.85)
        // Without concatenations the best single layer is weak.
        let single = try TrainJob.run(
            paths: [dir + "/split.h5"], plan: .init(kind: .logistic), layer: .best(folds: 3), groupBy: "group",
            multiLayer: false)
        #expect(single.selection?.concatenation == nil && single.artifact.hooks == nil)
        #expect(single.outcome.test!.auroc < out.outcome.test!.auroc - 0.1)
        let text = ProbeSummary(a).text()
        #expect(text.contains("hooks:") && text.contains(" + "))
    }

    @Test("a concatenation that gains less than the margin is not kept")
    func marginRule() throws {
        let c = { (layers: [Int], a: Double) in
            ProbeSelection.Candidate(position: .last, layer: layers[0], kind: "logistic", cvAUROC: a, layers: layers)
        }
        let choice = try #require(
            ProbeSelection.choose([c([1], 0.70), c([2], 0.65), c([3], 0.60)], folds: 5, grouped: false, nRows: 10))
        #expect(
            ProbeSelection.nextBest(after: choice.chosen, among: [c([1], 0.7), c([2], 0.65), c([3], 0.6)]) == [2, 3])
        #expect(ProbeSelection.concatenations(of: 1, with: [2, 3]) == [[1, 2], [1, 2, 3]])
        let small = ProbeSelection.extend(choice, tried: [c([1, 2], 0.704), c([1, 2, 3], 0.7049)])
        #expect(small.layers == [1] && small.concatenation?.kept == false)
        #expect(small.text.contains("gains +0.0049, less than the 0.005 needed"))  // rounded, it would read +0.005
        let enough = ProbeSelection.extend(choice, tried: [c([1, 2], 0.705), c([1, 2, 3], 0.71)])
        #expect(enough.layers == [1, 2, 3] && enough.concatenation?.kept == true && enough.runnerUp?.layer == 1)
        let json = String(decoding: try JSONEncoder().encode(enough), as: UTF8.self)
        #expect(json.contains("\"multi_layer\"") && json.contains("\"layers\":[1,2,3]"))
    }

    @Test("--layers trains a concatenated probe (logistic and hybrid); bad layer lists are clear errors")
    func explicitLayers() throws {
        let dir = StoreFiles.tempDir()
        try MultiLayerStore.write(dir + "/split.h5")
        let choice = try TrainJob.LayerChoice(layers: "1,2")
        #expect(choice == .layers([1, 2]))
        for kind in [ProbeKind.logistic, .hybrid] {
            let out = try TrainJob.run(paths: [dir + "/split.h5"], plan: .init(kind: kind), layer: choice)
            #expect(out.artifact.hooks == [.residPost(1), .residPost(2)])
            #expect(out.artifact.activationDims == 16 && out.selection == nil && out.outcome.test!.auroc > 0.85)
            #expect(out.artifact.probeKind == kind)
        }
        for bad in ["2", "0-9", "x", "all"] {
            #expect(throws: ProbeError.self) { try TrainJob.LayerChoice(layers: bad) }
        }
        #expect(throws: ProbeError.self) {
            try TrainJob.run(paths: [dir + "/split.h5"], plan: .init(kind: .logistic), layer: .layers([1, 7]))
        }
        #expect(throws: ProbeError.self) {
            try TrainJob.run(
                paths: [dir + "/split.h5"], plan: .init(kind: .logistic), layer: .layers([1, 2]),
                hook: .name(.residPost(1)))
        }
    }

    @Test("eval of a multi-layer probe reads every hook and equals its training-time test metrics")
    func evalMatchesTraining() throws {
        let dir = StoreFiles.tempDir()
        try MultiLayerStore.write(dir + "/split.h5")
        let plan = ProbeFitter.Plan(kind: .logistic)
        let out = try TrainJob.run(paths: [dir + "/split.h5"], plan: plan, layer: .layers([1, 2]))
        try out.artifact.write(to: dir + "/multi.json")
        let scorer = try ProbeScorer(path: dir + "/multi.json")
        let data = try ActivationLoader(paths: [dir + "/split.h5"]).dataset(
            hooks: out.artifact.inputHooks)
        let testRows = try ProbeFitter.rows(data, plan: plan).test
        let evaluation = try ProbeEvaluation(
            scorer: scorer, data: data.subset(testRows), probePath: dir + "/multi.json", files: [])
        let trained = try #require(out.artifact.training.metrics["test"])
        #expect(abs(evaluation.metrics.auroc - trained.auroc) < 1e-9)
        #expect(abs(evaluation.metrics.accuracy - trained.accuracy) < 1e-9)
        #expect(abs(evaluation.metrics.brier - trained.brier) < 1e-6)
        let whole = try TrainJob.evaluate(
            probePath: dir + "/multi.json", paths: [dir + "/split.h5"], allowMismatch: false)
        #expect(whole.hooks == out.artifact.hooks && whole.metrics.auroc > 0.85)
        #expect(whole.text().contains("hooks blocks.1.hook_resid_post + blocks.2.hook_resid_post"))
    }
}

@Suite("sweep --select with multi-layer rows")
struct MultiLayerSweepTests {
    @Test("sweep --select reports concatenations beside the single layers and chooses one only past the margin")
    func sweepReportsConcatenations() throws {
        let dir = StoreFiles.tempDir()
        try MultiLayerStore.write(dir + "/split.h5")
        let loader = try ActivationLoader(paths: [dir + "/split.h5"])
        let hooks = { (layers: [Int]) in layers.map(HookName.residPost) }
        let result = try ProbeSweep.run(
            positions: [nil], layers: [0, 1, 2, 3], kinds: [.logistic], plan: .init(kind: .logistic),
            files: [dir + "/split.h5"], selectFolds: 3,
            loadLayers: { _, layers in (hooks(layers), try loader.dataset(hooks: hooks(layers))) }
        ) { _, l in (hooks([l])[0], try loader.dataset(hook: hooks([l])[0])) }
        #expect(result.singleLayerRows.count == 4 && result.rows.count == 7)
        let multi = result.rows.filter { $0.layers != nil }
        #expect(multi.map { $0.layers?.count ?? 0 } == [2, 3, 4] && multi.allSatisfy { $0.cvAUROC != nil })
        let selection = try #require(result.selection)
        #expect(selection.concatenation?.kept == true && selection.layers.contains(1) && selection.layers.contains(2))
        #expect(result.comparison == nil || result.comparison!.probe.contains("layers"))
        let table = ProbeSweep.table(result), md = ProbeSweep.markdown(result)
        #expect(table.contains(multi[0].layerLabel) && table.contains("kept layers"))
        #expect(md.contains("| \(multi[0].layerLabel) | logistic |"))
        #expect(ProbeSweep.plot(result).contains("<svg"))
    }
}
