import ArgumentParser
import Foundation
import Probes

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a probe artifact on activation files: accuracy, AUROC, ECE, Brier, recall at low FPR.",
        discussion:
            "Example: polygraph eval --probe probes/smollm2/cities.json --acts runs/neg_cities.h5 --report reports/eval"
    )

    @Option(name: .long, help: "Probe artifact (JSON).")
    var probe: String
    @Option(name: .long, parsing: .upToNextOption, help: "Activation files (.h5).")
    var acts: [String] = []
    @Option(name: .long, help: "Write eval.json and reliability.svg into this folder.")
    var report: String?
    @Flag(name: .long, help: "Apply the probe even to activations of another model or position.")
    var allowMismatch = false
    @Option(
        name: .long,
        help:
            "Also measure the probe and every confidence within each group of this /examples/meta column (e.g. topic, or who wrote a given answer). Default: the column the probe was trained with --group-by, when every file has it."
    )
    var groupBy: String?
    @Option(
        name: .long,
        help:
            "Write every row's score to this CSV file: file, row, id, group, label, p_true, raw, flag, the model's own confidences, text, answer."
    )
    var scores: String?
    @Flag(name: .long, help: "Print the results as JSON on stdout.")
    var json = false
    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        guard !acts.isEmpty else { throw ValidationError("give at least one activation file with --acts FILE.h5") }
        if let scores {
            let folder = URL(fileURLWithPath: scores).deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--scores \(scores): the folder \(folder) does not exist; create it first")
            }
        }
    }

    func run() throws {
        BatchAllocator.keepFreedMemory()
        let (evaluation, perGroup) = try failing {
            let streaming = StreamProgressLine(enabled: true)
            defer { streaming.finish() }
            let (evaluation, rows) = try TrainJob.evaluate(
                probePath: probe, paths: acts, allowMismatch: allowMismatch, groupBy: groupBy,
                budget: memory.budget(), streamProgress: streaming.report, withScores: scores != nil)
            if let scores, let rows {
                do {
                    try Data(rows.csv().utf8).write(to: URL(fileURLWithPath: scores), options: .atomic)
                } catch {
                    throw ProbeError.writeFailed(path: scores, reason: error.localizedDescription)
                }
            }
            let perGroup = report == nil ? nil : evaluation.perGroupSVG()
            if let report {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                var files = [
                    ("eval.json", try encoder.encode(evaluation)),
                    ("reliability.svg", Data(evaluation.reliabilitySVG().utf8)),
                ]
                if let perGroup { files.append(("per-group.svg", Data(perGroup.utf8))) }
                try writeReport(files, to: report)
            }
            return (evaluation, perGroup)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(evaluation), as: UTF8.self))
        } else {
            print(evaluation.text(), terminator: "")
            if let report {
                print("report: \(report)/reliability.svg")
                if perGroup != nil { print("report: \(report)/per-group.svg") }
            }
            if let scores { print("scores: \(scores)") }
        }
    }
}
