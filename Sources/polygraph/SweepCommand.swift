import ActivationStore
import ArgumentParser
import Foundation
import Probes

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep", abstract: "Fit probes on every layer and compare them on a held-out split.",
        discussion: "Example: polygraph sweep --acts runs/cities.h5 --probe logistic,mass-mean --report reports/cities")

    @OptionGroup var fit: ProbeFitOptions
    @Option(name: .long, help: "Probe kinds, comma-separated: logistic, mass-mean, mass-mean-iid, mlp, ttpd.")
    var probe: String = "logistic"
    @Option(name: .long, help: "Only these layers (e.g. 0,5,10); default: every stored layer.")
    var layers: String?
    @Option(name: .long, parsing: .upToNextOption, help: "Test on these activation files instead of a held-out split.")
    var testActs: [String] = []
    @Option(name: .long, help: "Write sweep.json, sweep.svg and README.md into this folder.")
    var report: String?
    @Flag(name: .long, help: "Print the results as JSON on stdout instead of a table.")
    var json = false

    func run() throws {
        BatchAllocator.keepFreedMemory()
        let (result, _) = try failing { () throws -> (ProbeSweep.Result, Int) in
            let kinds = try ProbeKind.parseList(probe)
            let loader = try ActivationLoader(paths: fit.acts)
            var chosen = loader.layers(spec: fit.hook)
            if let layers {
                let wanted = try layers.split(separator: ",").map { s -> Int in
                    guard let l = Int(s.trimmingCharacters(in: .whitespaces)) else {
                        throw ProbeError.invalidOption(name: "layers", value: layers, expected: "comma-separated layer numbers")
                    }
                    return l
                }
                for l in wanted where !chosen.contains(l) {
                    throw ProbeError.missingHook(hook: ActivationLoader.hookName(layer: l, spec: fit.hook), path: fit.acts[0],
                                                 available: loader.header.hooks)
                }
                chosen = wanted
            }
            guard !chosen.isEmpty else {
                throw ProbeError.missingHook(hook: ActivationLoader.hookName(layer: 0, spec: fit.hook), path: fit.acts[0],
                                             available: loader.header.hooks)
            }
            let progress = ProgressLine(label: "sweep", total: chosen.count * kinds.count, unit: "fits", enabled: !fit.quiet)
            let testLoader = testActs.isEmpty ? nil : try ActivationLoader(paths: testActs)
            if let testLoader, testLoader.header.dModel != loader.header.dModel {
                throw ProbeError.dimensionMismatch(source: testActs[0], expected: loader.header.dModel, found: testLoader.header.dModel)
            }
            let loadTest: ((Int) throws -> ProbeDataset)? = testLoader.map { tl in
                { layer in try tl.dataset(hook: ActivationLoader.hookName(layer: layer, spec: fit.hook)) }
            }
            var result = try ProbeSweep.run(layers: chosen, kinds: kinds, plan: fit.plan(kinds[0]), files: fit.acts,
                                            progress: progress, loadTest: loadTest) { layer in
                let hook = ActivationLoader.hookName(layer: layer, spec: fit.hook)
                return (hook, try loader.dataset(hook: hook, groupBy: fit.groupBy))
            }
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
