// The gate: generate with a model, read the probe's hook during that same pass, score, flag.
import Foundation
import Hooks
import Inference

/// Wraps one engine and one or more truth probes; generates answers that carry a calibrated P(true) and a flag.
///
/// The probe's hook is captured during the generation pass itself (no second forward pass): each generated
/// token is scored as soon as its activation exists, and the answer's verdict is read at the last generated token
/// before end-of-turn (or the mean over the answer's tokens for a `mean` probe).
///
/// ```swift
/// let gate = try Gate(engine: engine, probes: [probe])
/// let answer = try gate.generate(.chat([ChatMessage(role: "user", content: "Is Paris in France?")]),
///                                options: GenerationOptions(maxTokens: 32))
/// print(answer.text, answer.verdict.score.pTrue, answer.verdict.score.flag)
/// ```
///
/// Concurrent calls are safe when the engine is (``InferenceGateEngine``: they share decode steps); otherwise
/// serialise them (a ``GateQueue`` of `parallel` 1 does) or give each thread its own gate.
public final class Gate: Sendable {
    /// The model that generates.
    public let engine: any GateEngine
    /// Loaded probes; the first one is the default.
    public let probes: [any TruthProbe]

    /// Checks every probe against the model: same weights (sha256), a hook the model has, the model's width.
    /// - Parameter allowModelMismatch: score with probes trained on other weights anyway (results are then meaningless
    ///   unless the weights are equivalent, e.g. the same model re-quantised).
    public init(engine: any GateEngine, probes: [any TruthProbe], allowModelMismatch: Bool = false) throws {
        guard !probes.isEmpty else { throw GateError.noProbes }
        var seen = Set<String>()
        for probe in probes {
            guard seen.insert(probe.name).inserted else { throw GateError.duplicateProbe(name: probe.name) }
            if !allowModelMismatch && !probe.model.sameWeights(as: engine.model) {
                throw GateError.modelMismatch(probe: probe.name, probeModel: probe.model, loadedModel: engine.model)
            }
            for hook in probe.hooks where !engine.hasHook(hook) {
                throw GateError.unknownHook(probe: probe.name, hook: hook.description)
            }
            // A multi-layer probe reads one row per hook, end to end.
            guard probe.inputWidth == engine.dModel * probe.hooks.count else {
                throw GateError.widthMismatch(
                    probe: probe.name, expected: engine.dModel * probe.hooks.count, found: probe.inputWidth)
            }
        }
        self.engine = engine
        self.probes = probes
    }

    /// The probe called `name`, or the default probe when `name` is nil.
    public func probe(named name: String?) throws -> any TruthProbe {
        guard let name else { return probes[0] }
        guard let probe = probes.first(where: { $0.name == name }) else {
            throw GateError.unknownProbe(name: name, available: probes.map(\.name))
        }
        return probe
    }

    /// The probe that scores given texts (`/v1/score`): the one called `name`, or else the first probe that reads
    /// hidden states only. A hybrid probe also reads the model's confidence in an answer it generated, which a
    /// given text does not have, so it is refused here with the names of those that can score texts.
    public func scoringProbe(named name: String?) throws -> any TruthProbe {
        let probe =
            try name.map { try self.probe(named: $0) } ?? probes.first { $0.confidenceFeatures.isEmpty } ?? probes[0]
        guard probe.confidenceFeatures.isEmpty else {
            let usable = probes.filter { $0.confidenceFeatures.isEmpty }.map(\.name)
            throw GateError.invalidOption(
                name: "probe", value: "'\(probe.name)'",
                expected:
                    "a probe that reads hidden states only: '\(probe.name)' is a hybrid probe, which also reads the "
                    + "model's confidence in an answer it generates itself (use it on /v1/chat/completions or "
                    + "/v1/completions); "
                    + (usable.isEmpty
                        ? "no loaded probe can score given texts (start serve with a non-hybrid --probe)"
                        : "probes that can score given texts: \(usable.joined(separator: ", "))"))
        }
        return probe
    }

    /// Token ids of a prompt as the engine will see them.
    public func promptTokens(_ prompt: GatePrompt) throws -> [Int] {
        let tokens: [Int]
        switch prompt {
        case .chat(let messages, let variables):
            guard !messages.isEmpty else { throw GateError.emptyPrompt }
            tokens = try engine.chatTokens(messages, templateVariables: variables)
        case .text(let text):
            tokens = try engine.textTokens(text)
        }
        guard !tokens.isEmpty else { throw GateError.emptyPrompt }
        return tokens
    }

    /// Throws ``GateError/modelFileChanged(_:)`` when the model file was truncated or rewritten in place since it
    /// was loaded: reading its mapping could then crash the process (SIGBUS) or use other weights.
    public func checkModelFile() throws {
        if let problem = engine.modelFileProblem() { throw GateError.modelFileChanged(problem) }
    }

    /// Checks options and length before any work: the cheap part of a request that can be refused early.
    public func validate(promptTokens: Int, options: GenerationOptions) throws {
        do {
            try options.samplingParameters(seed: 0).validate(spelling: .openAI)
        } catch InferenceError.invalidSamplingParameter(let name, let value, let expected) {
            throw GateError.invalidOption(name: name, value: value, expected: expected)
        }
        guard promptTokens + options.maxTokens <= engine.contextLength else {
            throw GateError.contextLengthExceeded(
                promptTokens: promptTokens, maxTokens: options.maxTokens,
                contextLength: engine.contextLength)
        }
    }

    /// Generates an answer and scores it.
    /// - Parameters:
    ///   - probe: probe name; nil for the default probe.
    ///   - onToken: called with each answer token and its score as soon as its own position has gone through the
    ///     model; return false to stop (finish `cancelled`). With `options.stop`, a token that might begin a stop
    ///     sequence is handed over only once it cannot, and the answer ends just before the first stop sequence.
    public func generate(
        _ prompt: GatePrompt, options: GenerationOptions, probe probeName: String? = nil,
        onToken: (ScoredToken) -> Bool = { _ in true }
    ) throws -> GatedAnswer {
        let probe = try self.probe(named: probeName)
        let promptSpec = prompt
        let prompt = try promptTokens(prompt)
        try validate(promptTokens: prompt.count, options: options)
        return try generate(
            promptTokens: prompt, options: options, probe: probe, question: promptSpec.question, onToken: onToken)
    }

    /// Generation on already-tokenised input (the queue tokenises first to refuse over-long prompts early).
    /// `stopBeforeDecode`: for a pre-generation probe (position `question`), called with its score of the prompt
    /// before any token is sampled; returning true skips decoding (the answer is empty and `decidedBeforeDecode`).
    /// `question`: the text the answer answers (`GatePrompt.question`), for probes at the exact answer.
    public func generate(
        promptTokens prompt: [Int], options: GenerationOptions, probe: any TruthProbe,
        question: String = "", stopBeforeDecode: ((ProbeScore) -> Bool)? = nil,
        onToken: (ScoredToken) -> Bool
    ) throws -> GatedAnswer {
        try checkModelFile()
        let started = DispatchTime.now().uptimeNanoseconds
        var run = AnswerAccumulator(probe: probe, question: question)
        var stops = StopSequenceFilter(stops: options.stop)
        var failure: GateError?
        var callerStopped = false, stopSequenceFound = false
        var early: ProbeScore?
        let onPrompt: ([Float]) -> Bool = { activation in
            guard let decide = stopBeforeDecode, probe.position == .question, activation.count == probe.inputWidth
            else { return true }
            let score = run.verdict(lastPromptActivation: activation)
            if decide(score) { early = score; return false }
            return true
        }
        // Every hook the probe reads is captured in this one generation pass (a multi-layer probe: rows end to end).
        let summary = try engine.generate(prompt: prompt, options: options, hooks: probe.hooks, onPrompt: onPrompt) {
            step in
            guard step.activation.count == probe.inputWidth else {
                failure = .engineFailure("activation of width \(step.activation.count), expected \(probe.inputWidth)")
                return false
            }
            let token = run.accept(step)
            guard stops.isActive else { return onToken(token) }
            let (ready, stopped) = stops.push(token)
            for t in ready where !onToken(t) { callerStopped = true; return false }
            stopSequenceFound = stopped
            return !stopped
        }
        if let failure { throw failure }
        if let early {
            let total = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            var answer = GatedAnswer(
                text: "", tokens: [], promptTokens: prompt.count, finishReason: .cancelled,
                verdict: Verdict(score: early, probe: probe.name, hooks: probe.hooks, position: .question),
                timing: GateTiming(totalSeconds: total, scoringSeconds: run.scoringSeconds))
            answer.decidedBeforeDecode = true
            return answer
        }
        var text = summary.text, finishReason = summary.finishReason
        if stops.isActive {
            if !stopSequenceFound && !callerStopped {
                for t in stops.flush() where !onToken(t) { break }
            }
            if stopSequenceFound {
                run.keep(stops.released)
                text = stops.text
                finishReason = .stop
            }
        }
        guard summary.lastPromptActivation.count == probe.inputWidth else {
            throw GateError.engineFailure(
                "prompt activation of width \(summary.lastPromptActivation.count), "
                    + "expected \(probe.inputWidth)")
        }
        let verdictScore = run.verdict(lastPromptActivation: summary.lastPromptActivation)
        let total = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let verdict = Verdict(
            score: verdictScore, probe: probe.name, hooks: probe.hooks, position: run.verdictPosition)
        return GatedAnswer(
            text: text, tokens: run.tokens, promptTokens: prompt.count,
            finishReason: finishReason, verdict: verdict,
            timing: GateTiming(totalSeconds: total, scoringSeconds: run.scoringSeconds))
    }

    /// Scores given texts without generating: one forward pass each, the probe's hook read at the probe's position
    /// (`mean` → mean over the text's tokens, anything else → its last token).
    public func score(texts: [String], probe probeName: String? = nil) throws -> [Verdict] {
        let probe = try scoringProbe(named: probeName)
        try checkModelFile()
        let sequences = try texts.map { text -> [Int] in
            let tokens = try engine.textTokens(text)
            guard !tokens.isEmpty else { throw GateError.emptyPrompt }
            guard tokens.count <= engine.contextLength else {
                throw GateError.contextLengthExceeded(
                    promptTokens: tokens.count, maxTokens: 0,
                    contextLength: engine.contextLength)
            }
            return tokens
        }
        let perText = try engine.activations(of: sequences, hooks: probe.hooks)
        guard perText.count == sequences.count else {
            throw GateError.engineFailure("\(perText.count) activation sets for \(sequences.count) texts")
        }
        let pooling: Verdict.Position = probe.position == .mean ? .mean : .last
        return try perText.map { rows in
            guard let last = rows.last, rows.allSatisfy({ $0.count == probe.inputWidth }) else {
                throw GateError.engineFailure("activations of the wrong shape for hook \(probe.hookLabel)")
            }
            let vector = pooling == .mean ? Pooling.mean(rows) : last
            return Verdict(score: probe.score(vector), probe: probe.name, hooks: probe.hooks, position: pooling)
        }
    }
}
