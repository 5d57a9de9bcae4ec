import ActivationStore
import ArgumentParser
import Foundation
import Hooks
import Probes

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep", abstract: "Fit probes on every layer and compare them on a held-out split.",
        discussion: "Example: polygraph sweep --acts runs/cities.h5 --probe logistic,mass-mean --report reports/cities")

    @OptionGroup var fit: ProbeFitOptions
    @Option(name: .long, help: "Probe kinds, comma-separated: logistic, mass-mean, mass-mean-iid, mlp, ttpd.")
    var probe: String = "logistic"
    @Option(
        name: .long, help: "Only these layers: all, or a list and ranges like 0,5,10-12; default: every stored layer.")
    var layers: String?
    @Option(name: .long, parsing: .upToNextOption, help: "Test on these activation files instead of a held-out split.")
    var testActs: [String] = []
    @Option(name: .long, help: "Write sweep.json, sweep.svg and README.md into this folder.")
    var report: String?
    @Flag(
        name: .long,
        help:
            "Also score every (position, layer, kind) by k-fold cross-validation on the training rows only and choose one, saying why (on by default with several --answer-position values); each position and kind's best layer is also tried concatenated with its 1, 2 and 3 next-best layers (rows such as 21+19), chosen only when its CV AUROC is at least 0.005 higher."
    )
    var select = false
    @Option(name: .long, help: "Folds for --select.")
    var folds: Int = 5
    @Flag(name: .long, help: "Print the results as JSON on stdout instead of a table.")
    var json = false

    func validate() throws {
        guard (2...100).contains(folds) else { throw ValidationError("--folds must be 2...100 (got \(folds))") }
    }

    func run() throws {
        BatchAllocator.keepFreedMemory()
        let (result, _) = try failing { () throws -> (ProbeSweep.Result, Int) in
            let kinds = try ProbeKind.parseList(probe)
            let pattern = fit.hook
            let loader = try ActivationLoader(paths: fit.acts, budget: fit.memory.budget())
            let streaming = StreamProgressLine(enabled: !fit.quiet)
            defer { streaming.finish() }
            loader.progress = streaming.report
            let selection = try layers.map(LayerSelection.init(parsing:)) ?? .all
            let chosen = try loader.layers(of: pattern, selection: selection)
            // Labels: nil for the file's own position when --answer-position is not given, else each position's name.
            var positions: [ProbePosition?] = fit.answerPosition?.positions ?? [nil]
            let storedPosition: (ProbePosition?) -> ProbePosition? = { $0?.storedExtra }
            // Among several positions, those some file lacks (older captures) are left out.
            if positions.count > 1 {
                let stored = positions.filter { loader.stores(position: storedPosition($0)) }
                if !stored.isEmpty { positions = stored }
            }
            let folds = select || positions.count > 1 ? self.folds : nil
            let progress = ProgressLine(
                label: "sweep", total: positions.count * chosen.count * kinds.count, unit: "fits",
                enabled: !fit.quiet)
            let testLoader = testActs.isEmpty ? nil : try ActivationLoader(paths: testActs, budget: fit.memory.budget())
            testLoader?.progress = streaming.report
            if let testLoader, testLoader.header.dModel != loader.header.dModel {
                throw ProbeError.dimensionMismatch(
                    source: testActs[0], expected: loader.header.dModel, found: testLoader.header.dModel)
            }
            let loadTest: ((ProbePosition?, Int) throws -> ProbeDataset)? = testLoader.map { tl in
                { position, layer in
                    try tl.dataset(hook: pattern.name(layer: layer), position: storedPosition(position))
                }
            }
            // With --select, the chosen layer concatenated with its next-best layers is tried too (rows in memory).
            let hooks = { (layers: [Int]) in layers.map(pattern.name(layer:)) }
            let loadLayers: ((ProbePosition?, [Int]) throws -> (hooks: [HookName], data: ProbeDataset))? =
                pattern.isFullName || chosen.count < 2
                ? nil
                : { position, layers in
                    (
                        hooks(layers),
                        try loader.dataset(
                            hooks: hooks(layers), groupBy: fit.groupBy, position: storedPosition(position))
                    )
                }
            let loadTestLayers: ((ProbePosition?, [Int]) throws -> ProbeDataset)? = testLoader.map { tl in
                { position, layers in try tl.dataset(hooks: hooks(layers), position: storedPosition(position)) }
            }
            var result = try ProbeSweep.run(
                positions: positions, layers: chosen, kinds: kinds, plan: fit.plan(kinds[0]),
                files: fit.acts, selectFolds: folds, progress: progress.report,
                loadTest: loadTest, loadLayers: loadLayers, loadTestLayers: loadTestLayers
            ) { position, layer in
                let hook = pattern.name(layer: layer)
                return (hook, try loader.dataset(hook: hook, groupBy: fit.groupBy, position: storedPosition(position)))
            }
            progress.finish()
            if !testActs.isEmpty { result.testFiles = testActs }
            if let report {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                let files: [(String, Data)] = [
                    ("sweep.json", try encoder.encode(result)), ("sweep.svg", Data(ProbeSweep.plot(result).utf8)),
                    ("README.md", Data(ProbeSweep.markdown(result).utf8)),
                ]
                try writeReport(files, to: report)
            }
            return (result, chosen.count)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            if let position = fit.answerPosition { print("answer position: \(position.argument)") }
            print(ProbeSweep.table(result), terminator: "")
            if let report { print("report: \(report)/README.md") }
        }
    }
}

/// Writes report files into `folder`, creating it.
func writeReport(_ files: [(String, Data)], to folder: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, data) in files { try data.write(to: URL(fileURLWithPath: folder).appendingPathComponent(name)) }
    } catch {
        throw ProbeError.writeFailed(path: folder, reason: error.localizedDescription)
    }
}
