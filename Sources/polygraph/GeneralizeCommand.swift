import ActivationStore
import ArgumentParser
import Foundation
import Probes

struct GeneralizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generalize",
        abstract: "Train on each activation file, test on every other: a transfer matrix and heat map.",
        discussion:
            "Example: polygraph generalize --acts runs/cities.h5 runs/neg_cities.h5 runs/sp_en_trans.h5 --probe logistic --layer 18 --report reports/transfer"
    )

    @OptionGroup var fit: ProbeFitOptions
    @Option(name: .long, help: "Probe kind: logistic, mass-mean, mass-mean-iid, mlp, ttpd.")
    var probe: String = "logistic"
    @Option(name: .long, help: "Layer number (or give a full --hook name).")
    var layer: Int?
    @Flag(
        name: .long,
        help:
            "Also train one probe on all files but each one and test it on that one (a general recipe on unseen topics)."
    )
    var leaveOneOut = false
    @Option(
        name: .long, parsing: .upToNextOption,
        help:
            "With --leave-one-out: extra training rows for each --acts file, in the same order (e.g. its style-augmented variants, datasets/styled/); each held-out file is then also tested with a probe trained on the other files plus their extra rows. Never tested on."
    )
    var augmentActs: [String] = []
    @Option(name: .long, help: "Write generalize.json and generalize.svg into this folder.")
    var report: String?
    @Flag(name: .long, help: "Print the matrix as JSON on stdout.")
    var json = false

    func validate() throws {
        if let layer, layer < 0 { throw ValidationError("--layer must be 0 or more (got \(layer))") }
        if !augmentActs.isEmpty && !leaveOneOut { throw ValidationError("--augment-acts needs --leave-one-out") }
        if !augmentActs.isEmpty && augmentActs.count != fit.acts.count {
            throw ValidationError(
                "--augment-acts: give one file per --acts file, in the same order (\(augmentActs.count) for \(fit.acts.count))"
            )
        }
    }

    func run() throws {
        BatchAllocator.keepFreedMemory()
        let matrix = try failing {
            let kind = try ProbeKind(cliName: probe)
            let loader = try ActivationLoader(paths: fit.acts, budget: fit.memory.budget())
            let streaming = StreamProgressLine(enabled: !fit.quiet)
            defer { streaming.finish() }
            loader.progress = streaming.report
            let pattern = fit.hook
            guard layer != nil || pattern.isFullName else {
                throw ProbeError.invalidOption(
                    name: "layer", value: "(missing)", expected: "a layer number, or a full --hook name")
            }
            let hook = pattern.name(layer: layer ?? 0)
            let progress = ProgressLine(label: "generalize", unit: "files", enabled: !fit.quiet)
            let datasets = try loader.sources.indices.map {
                try loader.dataset(hook: hook, groupBy: fit.groupBy, only: [$0])
            }
            var augmented: [ProbeDataset]?
            if !augmentActs.isEmpty {
                let extra = try ActivationLoader(paths: augmentActs, budget: fit.memory.budget())
                extra.progress = streaming.report
                augmented = try extra.sources.indices.map {
                    try extra.dataset(hook: hook, groupBy: fit.groupBy, only: [$0])
                }
            }
            let matrix = try GeneralizationMatrix.compute(
                kind: kind, hook: hook, names: loader.sources.map(\.name), datasets: datasets, plan: fit.plan(kind),
                leaveOneOut: leaveOneOut, augmented: augmented, progress: progress.report)
            progress.finish()
            if let report {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try writeReport(
                    [
                        ("generalize.json", try encoder.encode(matrix)),
                        ("generalize.svg", Data(matrix.heatmap().utf8)),
                    ], to: report)
            }
            return matrix
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(matrix), as: UTF8.self))
        } else {
            print(matrix.table(), terminator: "")
            if let report { print("report: \(report)/generalize.svg") }
        }
    }
}
