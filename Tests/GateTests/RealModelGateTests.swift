import Foundation
import Testing
@testable import Gate
import Hooks
import Inference

/// The gate on SmolLM2-135M-Instruct: what it captures during generation equals a fresh forward pass.
/// Skips when the model file is missing, but fails when the environment variable CI is set.
@Suite struct RealModelGateTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let modelPath = root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path

    /// The model path, or nil (skip) — an issue in CI.
    static func model() -> String? {
        if FileManager.default.fileExists(atPath: modelPath) { return modelPath }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("missing \(modelPath): run scripts/fetch-model.sh")
        }
        return nil
    }

    /// A structurally valid logistic probe artifact on `hook` with a fixed direction (not trained: the test checks
    /// plumbing, not accuracy).
    static func writeProbe(sha256: String, hook: String = "blocks.14.hook_resid_post", d: Int = 576) throws -> String {
        let weights = (0..<d).map { i in Float(sin(Double(i) * 0.7)) / Float(d).squareRoot() }
        let artifact: [String: Any] = [
            "format": "polygraph.probe", "format_version": 1, "kind": "logistic",
            "model": ["name": "SmolLM2 135M Instruct", "architecture": "llama", "sha256": sha256],
            "hook": hook, "position": "last",
            "normalization": ["mean": [Float](repeating: 0, count: d), "scale": [Float](repeating: 1, count: d)],
            "parameters": ["weights": weights, "bias": 0.0],
            "calibration": ["method": "platt", "a": 1.0, "b": 0.0, "fitted_on": "fixture", "n": 0],
            "thresholds": ["uncertain": 0.6, "likely_false": 0.3],
            "training": [
                "datasets": [], "seed": 0, "split": 0.8, "metrics": [:] as [String: Any], "layer": 14,
                "n_train": 0, "n_calibration": 0, "n_test": 0, "skipped_unlabeled": 0,
                "max_false_ok": 0.1, "max_true_flagged": 0.1,
            ],
            "created_at": "2026-01-01T00:00:00Z", "created_by": "GateTests",
        ]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gate-\(UUID().uuidString).json").path
        try JSONSerialization.data(withJSONObject: artifact).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("the verdict and per-token scores equal the probe on a fresh forward pass over prompt + answer")
    func capturedEqualsFreshPass() throws {
        guard let modelPath = Self.model() else { return }
        let engine = try InferenceGateEngine(path: modelPath)
        let probePath = try Self.writeProbe(sha256: engine.model.sha256)
        defer { try? FileManager.default.removeItem(atPath: probePath) }
        let gate = try Gate.load(engine: engine, probePaths: [probePath])
        let prompt = GatePrompt.chat([ChatMessage(role: "user", content: "What is the capital of France?")])
        let answer = try gate.generate(prompt, options: GenerationOptions(maxTokens: 10))
        #expect(!answer.text.isEmpty)
        #expect(answer.tokens.count >= 2)
        #expect(answer.verdict.hook == "blocks.14.hook_resid_post")
        #expect(answer.verdict.probe == URL(fileURLWithPath: probePath).deletingPathExtension().lastPathComponent)
        let promptTokens = try gate.promptTokens(prompt)
        let rows = try engine.activations(of: [promptTokens + answer.tokens.map(\.id)], hook: .residPost(14))[0]
        let probe = gate.probes[0]
        // KV-cache decoding and one batched pass differ only by float rounding.
        for token in answer.tokens {
            let fresh = probe.score(rows[promptTokens.count + token.index])
            #expect(abs(fresh.raw - token.score.raw) < 1e-2, "token \(token.index)")
        }
        let last = probe.score(rows[rows.count - 1])
        #expect(abs(last.pTrue - answer.verdict.score.pTrue) < 1e-3)
        #expect(answer.timing.scoringSeconds < answer.timing.totalSeconds * 0.01)
    }

    @Test("gating does not change the answer: the same greedy tokens as a plain generation (generate --probe path)")
    func sameAnswerAsPlain() throws {
        guard let modelPath = Self.model() else { return }
        let lm = try LanguageModel.load(path: modelPath)
        let probePath = try Self.writeProbe(sha256: try lm.fileSHA256)
        defer { try? FileManager.default.removeItem(atPath: probePath) }
        let prompt = try lm.chatPrompt([ChatMessage(role: "user", content: "Name a planet.")])
        let parameters = SamplingParameters(maxTokens: 8)
        let plain = try lm.generate(prompt: prompt, parameters: parameters)
        var streamed: [Int] = []
        let gated = try Gate.generate(with: lm, probePath: probePath, prompt: prompt, parameters: parameters) {
            streamed.append($0.id)
            return true
        }
        #expect(gated.tokens.map(\.id) == plain.tokens.map(Int.init))
        #expect(streamed == plain.tokens.map(Int.init))
        #expect(gated.text == plain.text)
        #expect(gated.verdictLine.hasPrefix("P(true) "))
        #expect(
            (gated.jsonObject["polygraph"] as? [String: Any])?["flag"] as? String == gated.verdict.score.flag.rawValue)
    }

    @Test("a probe artifact for other weights is refused with a clear error, and accepted with the override")
    func otherWeightsRefused() throws {
        guard let modelPath = Self.model() else { return }
        let engine = try InferenceGateEngine(path: modelPath)
        let probePath = try Self.writeProbe(sha256: String(repeating: "0", count: 64))
        defer { try? FileManager.default.removeItem(atPath: probePath) }
        #expect(throws: GateError.self) { try Gate.load(engine: engine, probePaths: [probePath]) }
        #expect(try Gate.load(engine: engine, probePaths: [probePath], allowModelMismatch: true).probes.count == 1)
        let badHook = try Self.writeProbe(sha256: engine.model.sha256, hook: "blocks.40.hook_resid_post")
        defer { try? FileManager.default.removeItem(atPath: badHook) }
        #expect(
            throws: GateError.unknownHook(
                probe: URL(fileURLWithPath: badHook).deletingPathExtension().lastPathComponent,
                hook: "blocks.40.hook_resid_post")
        ) {
            try Gate.load(engine: engine, probePaths: [badHook])
        }
    }

    @Test(
        "requests served together (GateService, batch 4: shared decode steps) get the tokens, scores and verdicts they get one at a time"
    )
    func batchedEqualsOneAtATime() async throws {
        guard let modelPath = Self.model() else { return }
        let engine = try InferenceGateEngine(path: modelPath)
        let probePath = try Self.writeProbe(sha256: engine.model.sha256)
        defer { try? FileManager.default.removeItem(atPath: probePath) }
        let gate = try Gate.load(engine: engine, probePaths: [probePath])
        let questions = [
            "What is the capital of France?", "Name a planet.", "What is 2 + 2?", "Who wrote Hamlet?",
            "What colour is the sky?",
        ]
        let options = GenerationOptions(maxTokens: 16)
        let alone = try questions.map {
            try gate.generate(.chat([ChatMessage(role: "user", content: $0)]), options: options)
        }
        let service = GateService(gate: gate, queueCapacity: 16, batchSize: 4)
        let together = try await withThrowingTaskGroup(of: (Int, GatedAnswer).self) { group in
            for (i, q) in questions.enumerated() {
                let request = try service.prepare(.chat([ChatMessage(role: "user", content: q)]), options: options)
                let slot = try service.queue.reserve()
                group.addTask { (i, try await service.answer(request, slot: slot).original) }
            }
            var out: [Int: GatedAnswer] = [:]
            for try await (i, a) in group { out[i] = a }
            return questions.indices.map { out[$0]! }
        }
        for (a, b) in zip(alone, together) {
            #expect(a.text == b.text && a.tokens.map(\.id) == b.tokens.map(\.id))
            #expect(a.tokens.map(\.score.raw) == b.tokens.map(\.score.raw))
            #expect(a.verdict.score.pTrue == b.verdict.score.pTrue)
        }
    }

    @Test("a base model is asked as capture asks it, and its answer ends before the question it starts inventing")
    func plainQuestionEndsAtOwnTurn() throws {
        let path = Self.root.appendingPathComponent("models/gemma-3-270m-q4_k_m.gguf").path
        guard FileManager.default.fileExists(atPath: path) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("missing \(path)") }
            return
        }
        let engine = try InferenceGateEngine(path: path)
        #expect(!engine.hasChatTemplate)
        let probe = Self.root.appendingPathComponent("probes/gemma3-270m/answers.json").path
        let gate = try Gate.load(engine: engine, probePaths: [probe])
        var cut = 0
        for question in ["What is the capital of Armenia?", "Convert 16 miles to yards.", "What is 2 + 2?"] {
            let options = GenerationOptions(maxTokens: 24)
            let answer = try gate.answer(question: question, options: options)
            let full = try gate.generate(.text(PlainPrompt.text(question: question)), options: options)
            let own = full.text.range(of: PlainPrompt.nextTurn).map { String(full.text[..<$0.lowerBound]) }
            #expect(answer.text == own ?? full.text, "\(question): \(answer.text)")
            #expect(answer.tokens.map(\.id) == Array(full.tokens.map(\.id).prefix(answer.tokens.count)))
            if own != nil {
                cut += 1
                #expect(answer.finishReason == .stop && answer.tokens.count < full.tokens.count)
            }
        }
        #expect(cut >= 1, "no answer ran on into a next question")
        // A chat asked of it is the request's fault (a 400 on the server), with what to send instead.
        #expect {
            _ = try gate.generate(.chat([ChatMessage(role: "user", content: "hi")]), options: GenerationOptions())
        } throws: { error in
            guard case GateError.noChatTemplate = error else { return false }
            return "\(error)".contains("/v1/completions") && "\(error)".contains("\\nQuestion:")
        }
    }
}
