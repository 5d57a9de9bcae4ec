import ArgumentParser
import Foundation
import GGUF
import Inference

/// `polygraph bench`: load time, prefill and decode tokens/s (logic in `Inference.Benchmark`).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure load time, prefill tokens/s (capture workload) and decode tokens/s.")

    @Option(help: "GGUF model file.") var model = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
    @Option(help: "Runs per workload (the median is reported).") var repeats = 3
    @Option(help: "Short statements in the capture workload.") var statements = 256
    @Option(help: "Statements per forward pass.") var batchSize = 64
    @Option(help: "Tokens to decode.") var decodeTokens = 128
    @Flag(help: "Print JSON on stdout.") var json = false

    func run() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let lm = try LanguageModel.load(path: model)
        let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let err = FileHandle.standardError
        err.write(Data(String(format: "loaded %@ in %.2f s (OpenBLAS core %@, %d threads)\n", lm.config.name, loadSeconds,
                               BLASRuntime.coreName, Benchmark.blasThreads).utf8))
        var bench = Benchmark()
        bench.repeats = repeats; bench.statementCount = statements; bench.batchSize = batchSize
        bench.decodeTokens = decodeTokens
        let statementIDs = Benchmark.sampleStatements.map { lm.tokenizer.encode($0, parseSpecial: false) }
        let prompt = lm.tokenizer.encode(Benchmark.sampleParagraph, parseSpecial: false)
        let results = try bench.run(model: lm.model, statements: statementIDs, longPrompt: prompt) {
            err.write(Data(($0 + "\n").utf8))
        }
        if json {
            struct Report: Encodable {
                let model: String; let loadSeconds: Double; let blasCore: String; let threads: Int; let results: [Benchmark.Result]
            }
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try enc.encode(Report(model: lm.config.name, loadSeconds: loadSeconds, blasCore: BLASRuntime.coreName,
                                             threads: Benchmark.blasThreads, results: results))
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "load: %.2f s", loadSeconds))
            for r in results { print(String(format: "%-62@ %8.1f tok/s", r.name as NSString, r.tokensPerSecond)) }
        }
    }
}
