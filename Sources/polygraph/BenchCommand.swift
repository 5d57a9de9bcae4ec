import ArgumentParser
import Foundation
import GGUF
import Inference
import Measurement

/// `polygraph bench`: load time, prefill and decode tokens/s (logic in `Measurement.Benchmark`).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure load time, prefill tokens/s (capture workload) and decode tokens/s.")

    @OptionGroup var model: ModelOptions
    @Option(help: "Runs per workload (the median is reported).") var repeats = 3
    @Option(help: "Short statements in the capture workload.") var statements = 256
    @Option(help: "Statements per forward pass.") var batchSize = 64
    @Option(help: "Tokens to decode.") var decodeTokens = 128
    @Option(help: "Tokens of the long prompt (prefill workload, and the context decode starts from).")
    var promptTokens = 256
    @Option(
        help:
            "Batched decode: sequences per step to measure besides 1, comma-separated (e.g. 2,4,8; tok/s counts every sequence's tokens)."
    )
    var decodeBatches = ""

    func validate() throws {
        if !decodeBatches.isEmpty && decodeBatchSizes.isEmpty
            || decodeBatchSizes.contains(where: { !(1...256).contains($0) })
        {
            throw ValidationError("--decode-batches takes sizes 1...256 separated by commas (got \(decodeBatches))")
        }
        for (name, value) in [
            ("--repeats", repeats), ("--statements", statements), ("--batch-size", batchSize),
            ("--decode-tokens", decodeTokens),
            ("--prompt-tokens", promptTokens),
        ] where value < 1 {
            throw ValidationError("\(name) must be at least 1 (got \(value))")
        }
    }
    @Flag(help: "Print JSON on stdout.") var json = false

    var decodeBatchSizes: [Int] {
        decodeBatches.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    func run() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let lm = try model.load()
        let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let err = FileHandle.standardError
        err.write(
            Data(
                String(
                    format: "loaded %@ in %.2f s (OpenBLAS core %@, %d threads)\n", lm.config.name, loadSeconds,
                    Benchmark.blasCore, Benchmark.blasThreads
                ).utf8))
        var bench = Benchmark()
        bench.repeats = repeats; bench.statementCount = statements; bench.batchSize = batchSize
        bench.decodeTokens = decodeTokens; bench.longPromptTokens = promptTokens
        let statementIDs = Benchmark.sampleStatements.map { lm.tokenizer.encode($0, parseSpecial: false) }
        let prompt = lm.tokenizer.encode(Benchmark.sampleParagraph, parseSpecial: false)
        let progress: (String) -> Void = { err.write(Data(($0 + "\n").utf8)) }
        var results = try bench.run(
            model: lm.model, statements: statementIDs, longPrompt: prompt,
            decodeLabel: " [\(model.decodeMode.rawValue)]", progress: progress)
        for sequences in decodeBatchSizes where sequences > 1 {
            results.append(
                try bench.decode(
                    model: lm.model, prompt: bench.cycled(prompt), label: " [\(model.decodeMode.rawValue)]",
                    sequences: sequences, progress: progress))
        }
        if let llama = lm.model as? DecoderModel {
            // float32 decode on mapped weights dequantises every matrix each token: only measured with --weights float32.
            for mode in DecodeMode.allCases
            where mode != model.decodeMode && (mode != .float32 || model.weights == .float32) {
                results.append(
                    try bench.decode(
                        model: llama.withDecodeMode(mode), prompt: bench.cycled(prompt),
                        label: " [\(mode.rawValue)]", progress: progress))
            }
        }
        if json {
            struct Report: Encodable {
                let model: String; let loadSeconds: Double; let blasCore: String; let threads: Int;
                let results: [Benchmark.Result]
            }
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try enc.encode(
                Report(
                    model: lm.config.name, loadSeconds: loadSeconds, blasCore: Benchmark.blasCore,
                    threads: Benchmark.blasThreads, results: results))
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "load: %.2f s", loadSeconds))
            print("workload".padding(toLength: 75, withPad: " ", startingAt: 0) + "   tok/s  tok/CPU-s")
            for r in results {
                print(
                    r.name.padding(toLength: 75, withPad: " ", startingAt: 0)
                        + String(format: " %8.1f %9.1f", r.tokensPerSecond, r.tokensPerCPUSecond))
            }
        }
    }
}
