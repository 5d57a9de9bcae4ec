// Building a gate from files: a GGUF model and probe artifacts (what `polygraph serve` and `generate --probe` do).
import Foundation
import Inference

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

    /// Loads the model at `modelPath` with the probes given, or, when `probePaths` is empty, with the probes under
    /// `probesDirectory` trained on exactly this GGUF file (``ShippedProbes``; `answers.json` is the default).
    /// Returns the gate and the probe paths it loaded.
    public static func load(
        modelPath: String, probePaths: [String], probesDirectory: String,
        allowModelMismatch: Bool = false
    ) throws -> (gate: Gate, probePaths: [String]) {
        if !probePaths.isEmpty {
            return (
                try load(modelPath: modelPath, probePaths: probePaths, allowModelMismatch: allowModelMismatch),
                probePaths
            )
        }
        return try load(
            engine: InferenceGateEngine(path: modelPath), probePaths: [], probesDirectory: probesDirectory,
            allowModelMismatch: allowModelMismatch)
    }

    /// The same on an already loaded engine (e.g. a model loaded with other decode kernels or weight storage).
    public static func load(
        engine: any GateEngine, probePaths: [String], probesDirectory: String,
        allowModelMismatch: Bool = false
    ) throws -> (gate: Gate, probePaths: [String]) {
        if !probePaths.isEmpty {
            return (
                try load(engine: engine, probePaths: probePaths, allowModelMismatch: allowModelMismatch), probePaths
            )
        }
        let shipped = ShippedProbes.find(forModelSHA256: engine.model.sha256, in: probesDirectory)
        guard !shipped.isEmpty else {
            throw GateError.noShippedProbe(model: engine.model, directory: probesDirectory)
        }
        return (try load(engine: engine, probePaths: shipped, allowModelMismatch: allowModelMismatch), shipped)
    }

    /// Loads the probes first (cheap, fails fast on a bad file), then wraps an already loaded engine.
    public static func load(engine: any GateEngine, probePaths: [String], allowModelMismatch: Bool = false) throws
        -> Gate
    {
        let probes = try probePaths.map { try ArtifactTruthProbe(path: $0) }
        return try Gate(engine: engine, probes: probes, allowModelMismatch: allowModelMismatch)
    }
}

extension GatedAnswer {
    /// One line for humans: `P(true) 0.83  flag ok  (probe cities, blocks.14.hook_resid_post @ answer)`.
    public var verdictLine: String {
        let s = verdict.score
        return String(
            format: "P(true) %.3f  flag %@  (probe %@, %@ @ %@)", s.pTrue, s.flag.rawValue as NSString,
            verdict.probe as NSString, verdict.hook as NSString, verdict.position.rawValue as NSString)
    }

    /// The answer as a JSON-ready dictionary (the same fields as the server's `polygraph` object, plus text,
    /// finish reason, per-token P(true) and timing).
    public var jsonObject: [String: Any] {
        [
            "text": text, "finish_reason": finishReason.rawValue, "prompt_tokens": promptTokens,
            "completion_tokens": tokens.count,
            "polygraph": [
                "p_true": verdict.score.pTrue, "flag": verdict.score.flag.rawValue, "raw": verdict.score.raw,
                "probe": verdict.probe, "hook": verdict.hook, "position": verdict.position.rawValue,
                "token_p_true": tokens.map(\.score.pTrue),
            ] as [String: Any],
            "timing": ["total_seconds": timing.totalSeconds, "scoring_seconds": timing.scoringSeconds],
        ]
    }
}

extension Gate {
    /// What `polygraph generate --probe P.json` needs in one call: gate an already loaded model's generation of
    /// `prompt` (token ids, e.g. from `LanguageModel.chatPrompt`) with the probe at `probePath`.
    ///
    /// ```swift
    /// let answer = try Gate.generate(with: lm, probePath: probe, prompt: try lm.chatPrompt(messages),
    ///                                parameters: parameters) { token in print(token.text, terminator: ""); return true }
    /// print(answer.verdictLine)        // P(true) 0.912  flag ok  (probe cities, blocks.14.hook_resid_post @ answer)
    /// ```
    public static func generate(
        with languageModel: LanguageModel, probePath: String, prompt: [Int32],
        parameters: SamplingParameters, allowModelMismatch: Bool = false,
        onToken: (ScoredToken) -> Bool = { _ in true }
    ) throws -> GatedAnswer {
        let engine = try InferenceGateEngine(languageModel: languageModel)
        let gate = try Gate.load(engine: engine, probePaths: [probePath], allowModelMismatch: allowModelMismatch)
        let options = GenerationOptions(parameters)
        try gate.validate(promptTokens: prompt.count, options: options)
        return try gate.generate(
            promptTokens: prompt.map(Int.init), options: options, probe: gate.probes[0],
            onToken: onToken)
    }
}
