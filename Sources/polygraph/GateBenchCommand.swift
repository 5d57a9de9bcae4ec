import ArgumentParser
import Foundation
import Gate
import Measurement

/// `polygraph gate-bench`: what gating costs — the same greedy generation with and without capture + scoring
/// (logic in `Measurement.GateOverhead`).
struct GateBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate-bench",
        abstract: "Measure the gate's overhead: plain vs gated generation of the same greedy answer.")

    @OptionGroup var model: ModelOptions
    @Option(help: "Probe artifact.") var probe: String
    @Option(help: "User message (rendered with the chat template).")
    var prompt = "Write a short paragraph about the history of Paris."
    @Option(help: "Tokens to generate.") var maxTokens = 128
    @Option(help: "Timed runs of each (after one warm-up; the median is reported).") var repeats = 5
    @Flag(help: "Use a probe trained on other weights anyway.") var allowModelMismatch = false
    @Flag(help: "Print JSON on stdout.") var json = false

    func validate() throws {
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1 (got \(maxTokens))") }
        if repeats < 1 { throw ValidationError("--repeats must be at least 1 (got \(repeats))") }
    }

    func run() throws {
        let err = FileHandle.standardError
        let engine = try InferenceGateEngine(languageModel: model.load())
        let gate = try Gate.load(engine: engine, probePaths: [probe], allowModelMismatch: allowModelMismatch)
        let report = try GateOverhead.measure(
            gate: gate, engine: engine,
            prompt: .chat([ChatMessage(role: "user", content: prompt)]),
            maxTokens: maxTokens, repeats: repeats
        ) {
            err.write(Data(($0 + "\n").utf8))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(
                String(
                    format: "%d tokens, median of %d: plain %.3f s, gated %.3f s (%+.2f%%), probe scoring %.5f s "
                        + "(%.3f%% of the gated time)", report.tokens, report.repeats, report.plainSeconds,
                    report.gatedSeconds, report.overheadPercent, report.scoringSeconds, report.scoringPercent))
        }
    }
}
