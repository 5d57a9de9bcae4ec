// Building a gate from files: a GGUF model and probe artifacts (what `polygraph serve` and `generate --probe` do).
import Foundation

extension Gate {
    /// Loads the model at `modelPath` and the probe artifacts at `probePaths` (the first is the default probe),
    /// and checks each probe against the model (see ``init(engine:probes:allowModelMismatch:)``).
    ///
    /// ```swift
    /// let gate = try Gate.load(modelPath: "models/SmolLM2-135M-Instruct.Q4_1.gguf",
    ///                          probePaths: ["probes/smollm2-135m/cities.json"])
    /// ```
    public static func load(modelPath: String, probePaths: [String], allowModelMismatch: Bool = false) throws -> Gate {
        guard !probePaths.isEmpty else { throw GateError.noProbes }
        let probes = try probePaths.map { try ArtifactTruthProbe(path: $0) }
        let engine = try InferenceGateEngine(path: modelPath)
        return try Gate(engine: engine, probes: probes, allowModelMismatch: allowModelMismatch)
    }

    /// Loads the probes first (cheap, fails fast on a bad file), then wraps an already loaded engine.
    public static func load(engine: any GateEngine, probePaths: [String], allowModelMismatch: Bool = false) throws -> Gate {
        let probes = try probePaths.map { try ArtifactTruthProbe(path: $0) }
        return try Gate(engine: engine, probes: probes, allowModelMismatch: allowModelMismatch)
    }
}

extension GatedAnswer {
    /// One line for humans: `P(true) 0.83  flag ok  (probe cities, blocks.14.hook_resid_post @ answer)`.
    public var verdictLine: String {
        let s = verdict.score
        return String(format: "P(true) %.3f  flag %@  (probe %@, %@ @ %@)", s.pTrue, s.flag.rawValue as NSString,
                      verdict.probe as NSString, verdict.hook as NSString, verdict.position as NSString)
    }

    /// The answer as a JSON-ready dictionary (the same fields as the server's `polygraph` object, plus text,
    /// finish reason, per-token P(true) and timing).
    public var jsonObject: [String: Any] {
        [
            "text": text, "finish_reason": finishReason.rawValue, "prompt_tokens": promptTokens,
            "completion_tokens": tokens.count,
            "polygraph": [
                "p_true": verdict.score.pTrue, "flag": verdict.score.flag.rawValue, "raw": verdict.score.raw,
                "probe": verdict.probe, "hook": verdict.hook, "position": verdict.position,
                "token_p_true": tokens.map(\.score.pTrue),
            ] as [String: Any],
            "timing": ["total_seconds": timing.totalSeconds, "scoring_seconds": timing.scoringSeconds],
        ]
    }
}
