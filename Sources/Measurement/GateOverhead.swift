// Measures what gating costs: the same greedy generation with and without capture + scoring.
import Foundation
import Gate
import Inference

/// Result of ``GateOverhead/measure(gate:engine:prompt:maxTokens:repeats:)``.
public struct GateOverheadReport: Sendable, Codable {
    public var tokens: Int
    public var repeats: Int
    /// Median seconds of a plain generation (no capture, no probe).
    public var plainSeconds: Double
    /// Median seconds of a gated generation (hook captured during the pass, every token scored, verdict).
    public var gatedSeconds: Double
    /// Median time inside the probe's `score` per gated generation.
    public var scoringSeconds: Double
    /// (gated − plain) / plain, in percent (includes timing noise).
    public var overheadPercent: Double
    /// scoring / gated, in percent: the probe's own share.
    public var scoringPercent: Double
}

/// Times plain vs gated generation on the real engine, interleaved to spread machine noise over both.
public enum GateOverhead {
    public static func measure(
        gate: Gate, engine: InferenceGateEngine, prompt: GatePrompt, maxTokens: Int,
        repeats: Int, progress: (String) -> Void = { _ in }
    ) throws -> GateOverheadReport {
        let tokens = try gate.promptTokens(prompt)
        let options = GenerationOptions(maxTokens: maxTokens, temperature: 0, topP: 1, seed: 0)
        try gate.validate(promptTokens: tokens.count, options: options)
        let probe = try gate.probe(named: nil)
        let parameters = SamplingParameters(maxTokens: maxTokens, temperature: 0, topP: 1, seed: 0)
        var plain: [Double] = [], gated: [Double] = [], scoring: [Double] = []
        var generated = 0
        // One warm-up of each, then interleaved timed runs.
        for run in 0...repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let plainRun = try engine.languageModel.generate(prompt: tokens.map(Int32.init), parameters: parameters)
            let plainTime = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let answer = try gate.generate(promptTokens: tokens, options: options, probe: probe) { _ in true }
            guard answer.tokens.count == plainRun.tokens.count else {
                throw GateError.engineFailure(
                    "gated and plain greedy runs differ (\(answer.tokens.count) vs "
                        + "\(plainRun.tokens.count) tokens)")
            }
            generated = answer.tokens.count
            if run > 0 {
                plain.append(plainTime)
                gated.append(answer.timing.totalSeconds)
                scoring.append(answer.timing.scoringSeconds)
                progress(
                    String(
                        format: "run %d/%d: plain %.3f s, gated %.3f s, scoring %.5f s (%d tokens)",
                        run, repeats, plainTime, answer.timing.totalSeconds, answer.timing.scoringSeconds,
                        generated))
            }
        }
        let p = median(plain), g = median(gated), s = median(scoring)
        return GateOverheadReport(
            tokens: generated, repeats: repeats, plainSeconds: p, gatedSeconds: g,
            scoringSeconds: s, overheadPercent: (g - p) / p * 100, scoringPercent: s / g * 100)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
