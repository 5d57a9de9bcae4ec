import Foundation
import Hooks
import Inference

/// Speed measurements of a model (the logic behind `polygraph bench`): prefill tokens/s for the capture workload
/// (many short statements in batches), for one long prompt, and decode tokens/s. Each figure is the median of
/// `repeats` runs.
public struct Benchmark: Sendable {
    /// One measured workload.
    public struct Result: Sendable, Codable {
        public let name: String
        public let tokens: Int
        /// Median seconds over the runs.
        public let seconds: Double
        public let tokensPerSecond: Double
        public let runs: [Double]
        /// Median process CPU seconds (user + system, all threads) per run: on a busy machine,
        /// `tokens / cpuSeconds` estimates the single-thread speed of an idle core.
        public var cpuSeconds: Double = 0
        public var tokensPerCPUSecond: Double { cpuSeconds > 0 ? Double(tokens) / cpuSeconds : 0 }
    }

    /// User + system CPU time of this process so far, in seconds.
    public static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    public var statementCount = 256
    public var batchSize = 64
    public var longPromptTokens = 256
    public var decodeTokens = 128
    public var repeats = 3

    public init() {}

    /// Runs every workload on `model`. `statements` are tokenised short texts (the capture workload) and
    /// `longPrompt` a long tokenised text; both are cycled or cut to the configured sizes.
    /// `progress` receives one line per finished measurement.
    public func run(
        model: any CausalLanguageModel, statements: [[Int32]], longPrompt: [Int32], decodeLabel: String = "",
        progress: (String) -> Void = { _ in }
    ) throws -> [Result] {
        let c = model.config
        precondition(!statements.isEmpty && !longPrompt.isEmpty, "Benchmark needs statements and a prompt")
        let batch = (0..<statementCount).map { statements[$0 % statements.count] }
        let batchTokens = batch.reduce(0) { $0 + $1.count }
        let prompt = cycled(longPrompt)
        var results: [Result] = []

        func measure(_ name: String, tokens: Int, _ body: () throws -> Void) rethrows {
            var runs: [Double] = [], cpu: [Double] = []
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds, cpuStart = Benchmark.processCPUSeconds()
                try body()
                runs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                cpu.append(Benchmark.processCPUSeconds() - cpuStart)
            }
            let median = runs.sorted()[runs.count / 2]
            var r = Result(
                name: name, tokens: tokens, seconds: median, tokensPerSecond: Double(tokens) / median, runs: runs)
            r.cpuSeconds = cpu.sorted()[cpu.count / 2]
            results.append(r)
            progress(
                String(format: "%@: %.1f tok/s (%d tokens, median %.3f s)", name, r.tokensPerSecond, tokens, median))
        }

        let allResid = HookFilter.residPost(layers: 0..<c.nLayers).union([.embed])
        try measure("prefill \(statementCount) statements, batch \(batchSize), all resid_post", tokens: batchTokens) {
            for start in stride(from: 0, to: batch.count, by: batchSize) {
                _ = try model.run(Array(batch[start..<min(start + batchSize, batch.count)]), capture: allResid)
            }
        }
        let mid = c.nLayers / 2
        try measure(
            "prefill \(statementCount) statements, batch \(batchSize), resid_post \(mid - 1) only",
            tokens: batchTokens
        ) {
            for start in stride(from: 0, to: batch.count, by: batchSize) {
                _ = try model.run(
                    Array(batch[start..<min(start + batchSize, batch.count)]), capture: [.residPost(mid - 1)])
            }
        }
        try measure("prefill one \(prompt.count)-token prompt, logits", tokens: prompt.count) {
            _ = try model.run([prompt], capture: .none, logits: .last)
        }
        results.append(try decode(model: model, prompt: prompt, label: decodeLabel, progress: progress))
        return results
    }

    /// `prompt` repeated and cut to `longPromptTokens` tokens.
    public func cycled(_ prompt: [Int32]) -> [Int32] {
        var out = prompt
        while out.count < longPromptTokens && !prompt.isEmpty { out += prompt }
        return Array(out.prefix(longPromptTokens))
    }

    /// Decode tokens/s: greedy single-token steps after prefilling `prompt` (only the steps are timed). With
    /// `sequences` > 1, that many copies decode together, one batched pass per step (each weight read once for all):
    /// tokens/s counts every sequence's tokens.
    public func decode(
        model: any CausalLanguageModel, prompt: [Int32], label: String, sequences: Int = 1,
        progress: (String) -> Void = { _ in }
    ) throws -> Result {
        // The prompt is prefilled untimed, then only the single-token steps are timed.
        var runs: [Double] = [], cpu: [Double] = []
        for _ in 0..<repeats {
            let caches = (0..<sequences).map { _ in model.makeCache(maxLength: prompt.count + decodeTokens + 1) }
            var logits = try caches.map {
                try model.forward([prompt], caches: [$0], capture: .none, logits: .last)[0].lastLogits ?? []
            }
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = Benchmark.processCPUSeconds()
            for _ in 0..<decodeTokens {
                let ids = logits.map { [Sampler.argmax($0)] }
                logits = try model.forward(ids, caches: caches, capture: .none, logits: .last).map {
                    $0.lastLogits ?? []
                }
            }
            runs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            cpu.append(Benchmark.processCPUSeconds() - cpuStart)
        }
        let median = runs.sorted()[runs.count / 2]
        let batch = sequences > 1 ? ", \(sequences) sequences per step" : ""
        var r = Result(
            name: "decode \(decodeTokens) tokens after the \(prompt.count)-token prompt\(batch)\(label)",
            tokens: decodeTokens * sequences, seconds: median,
            tokensPerSecond: Double(decodeTokens * sequences) / median, runs: runs)
        r.cpuSeconds = cpu.sorted()[cpu.count / 2]
        progress(String(format: "%@: %.1f tok/s (median %.3f s)", r.name, r.tokensPerSecond, median))
        return r
    }
}
