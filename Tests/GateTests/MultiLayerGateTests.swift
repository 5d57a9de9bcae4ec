import Foundation
import GateTestSupport
import Hooks
import Inference
import Probes
import Testing
@testable import Gate

/// A logistic probe artifact reading `hooks` (rows of width `d`, end to end) with a fixed direction; `kind` hybrid
/// appends the four confidences.
enum MultiLayerProbeFile {
    static func write(
        sha256: String, hooks: [HookName], d: Int, kind: String = "logistic", position: String = "last"
    ) throws -> String {
        let hybrid = kind == "hybrid"
        let width = d * hooks.count + (hybrid ? 4 : 0)
        let weights = (0..<width).map { i in Float(sin(Double(i) * 0.7 + 0.3)) / Float(d).squareRoot() }
        var parameters: [String: Any] = ["weights": weights, "bias": 0.1]
        if hybrid {
            parameters["confidence_features"] = HybridProbe.columns
            parameters["confidence_fill"] = [-1.0, -2.0, 1.0, 0.5]
        }
        let mean: [Float] = (0..<width).map { Float($0 % 3) * 0.1 }
        let scale: [Float] = (0..<width).map { 1 + Float($0 % 5) * 0.2 }
        let model: [String: Any] = ["name": "m", "architecture": "llama", "sha256": sha256]
        let calibration: [String: Any] = ["method": "platt", "a": 0.8, "b": -0.1, "fitted_on": "fixture", "n": 0]
        let training: [String: Any] = [
            "datasets": [] as [Any], "seed": 0, "split": 0.8, "metrics": [:] as [String: Any],
            "n_train": 0, "n_calibration": 0, "n_test": 0, "skipped_unlabeled": 0,
            "max_false_ok": 0.1, "max_true_flagged": 0.1,
        ]
        var artifact: [String: Any] = ["format": "polygraph.probe", "format_version": 1, "kind": kind]
        artifact["model"] = model
        artifact["hook"] = hooks[0].description
        artifact["hooks"] = hooks.map(\.description)
        artifact["position"] = position
        artifact["normalization"] = ["mean": mean, "scale": scale] as [String: Any]
        artifact["parameters"] = parameters
        artifact["calibration"] = calibration
        artifact["thresholds"] = ["uncertain": 0.6, "likely_false": 0.3] as [String: Any]
        artifact["training"] = training
        artifact["created_at"] = "2026-01-01T00:00:00Z"
        artifact["created_by"] = "GateTests"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("multi-\(UUID().uuidString).json")
            .path
        try JSONSerialization.data(withJSONObject: artifact).write(to: URL(fileURLWithPath: path))
        return path
    }
}

@Suite struct MultiLayerGateTests {
    static let hooks: [HookName] = [.residPost(2), .residPost(1)]

    @Test("a multi-layer probe scores every token and the verdict from one generation capturing all its hooks")
    func fakeEngine() throws {
        let engine = FakeEngine(script: [5, 12, 7, 3])
        let path = try MultiLayerProbeFile.write(sha256: FakeEngine.sha, hooks: Self.hooks, d: 4)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let multi = try ArtifactTruthProbe(path: path)
        #expect(multi.hooks == Self.hooks && multi.hook == Self.hooks[0] && multi.inputWidth == 8)
        let gate = try Gate(engine: engine, probes: [multi, FakeProbe()])
        var streamed: [ScoredToken] = []
        let answer = try gate.generate(.text("hi"), options: GenerationOptions(maxTokens: 10)) { token in
            streamed.append(token)
            return true
        }
        #expect(answer.tokens.map(\.id) == [5, 12, 7, 3] && streamed == answer.tokens)
        for token in answer.tokens {
            let offline = try multi.scorer.score(activation: FakeEngine.activation(token.id, hooks: Self.hooks))
            #expect(token.score == offline)
        }
        #expect(
            answer.verdict.score == (try multi.scorer.score(activation: FakeEngine.activation(3, hooks: Self.hooks))))
        #expect(answer.verdict.hook == Self.hooks.map(\.description).joined(separator: "+"))
        #expect(engine.calls == 1)  // one generation pass for every hook
        // The single-hook probe on the same gate is unchanged.
        let single = try gate.generate(.text("hi"), options: GenerationOptions(maxTokens: 10), probe: "fake-probe")
        #expect(single.verdict.score == FakeProbe().score(FakeEngine.activation(3)))
        // Scoring given text reads every hook too.
        let verdicts = try gate.score(texts: ["ab"], probe: multi.name)
        let tokens = try engine.textTokens("ab")
        #expect(
            verdicts[0].score
                == (try multi.scorer.score(activation: FakeEngine.activation(tokens.last!, hooks: Self.hooks))))
    }

    @Test("a hybrid multi-layer probe appends the answer's confidences after the concatenated rows")
    func hybrid() throws {
        let engine = FakeEngine(script: [5, 12])
        let path = try MultiLayerProbeFile.write(sha256: FakeEngine.sha, hooks: Self.hooks, d: 4, kind: "hybrid")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let multi = try ArtifactTruthProbe(path: path)
        let gate = try Gate(engine: engine, probes: [multi])
        let answer = try gate.generate(.text("hi"), options: GenerationOptions(maxTokens: 10))
        let logprobs = [5, 12].map { -0.1 * Double($0 % 5) }
        let confidence = [
            "mean_logprob": logprobs.reduce(0, +) / 2, "min_logprob": logprobs.min()!, "mean_entropy": Double.nan,
            "mean_margin": .nan,
        ]
        let offline = try multi.scorer.score(
            activation: FakeEngine.activation(12, hooks: Self.hooks), confidence: confidence)
        #expect(abs(answer.verdict.score.raw - offline.raw) < 1e-9)
    }

    @Test("a multi-layer probe whose hooks the model lacks, or of the wrong width, is refused at load")
    func refused() throws {
        let engine = FakeEngine()
        let badHook = try MultiLayerProbeFile.write(
            sha256: FakeEngine.sha, hooks: [.residPost(1), .block(1, .mlpOut)], d: 4)
        let wide = try MultiLayerProbeFile.write(sha256: FakeEngine.sha, hooks: Self.hooks, d: 8)
        defer { for p in [badHook, wide] { try? FileManager.default.removeItem(atPath: p) } }
        #expect(
            throws: GateError.unknownHook(
                probe: URL(fileURLWithPath: badHook).deletingPathExtension().lastPathComponent,
                hook: "blocks.1.hook_mlp_out")
        ) {
            try Gate(engine: engine, probes: [try ArtifactTruthProbe(path: badHook)])
        }
        let name = URL(fileURLWithPath: wide).deletingPathExtension().lastPathComponent
        #expect(throws: GateError.widthMismatch(probe: name, expected: 8, found: 16)) {
            try Gate(engine: engine, probes: [try ArtifactTruthProbe(path: wide)])
        }
    }

    /// SmolLM2: the gate's scores of a multi-layer probe equal the probe applied offline to the rows of each hook
    /// captured in generations of the same greedy answer, laid end to end in the artifact's order.
    @Test("real model: gate scores of a multi-layer probe equal the offline score of the captured rows")
    func realModel() throws {
        guard let modelPath = RealModelGateTests.model() else { return }
        let engine = try InferenceGateEngine(path: modelPath)
        let hooks: [HookName] = [.residPost(20), .residPost(12), .residPost(25)]
        let path = try MultiLayerProbeFile.write(sha256: engine.model.sha256, hooks: hooks, d: engine.dModel)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let gate = try Gate.load(engine: engine, probePaths: [path])
        let probe = try #require(gate.probes[0] as? ArtifactTruthProbe)
        let prompt = GatePrompt.chat([ChatMessage(role: "user", content: "What is the capital of France?")])
        let options = GenerationOptions(maxTokens: 8, temperature: 0)
        let answer = try gate.generate(prompt, options: options)
        #expect(answer.tokens.count >= 2 && answer.verdict.hook == hooks.map(\.description).joined(separator: "+"))
        // Each hook captured alone (as `capture` stores it), then concatenated offline in the artifact's order.
        let tokens = try gate.promptTokens(prompt)
        var perHook: [[[Float]]] = []
        for hook in hooks {
            var rows: [[Float]] = []
            _ = try engine.generate(prompt: tokens, options: options, hook: hook) { step in
                rows.append(step.activation)
                return true
            }
            #expect(rows.count == answer.tokens.count)
            perHook.append(rows)
        }
        for token in answer.tokens {
            let row = perHook.flatMap { $0[token.index] }
            let offline = try probe.scorer.score(activation: row)
            #expect(abs(offline.pTrue - token.score.pTrue) < 1e-4, "token \(token.index)")
        }
        let last = try probe.scorer.score(activation: perHook.flatMap { $0[answer.tokens.count - 1] })
        #expect(abs(last.pTrue - answer.verdict.score.pTrue) < 1e-4 && abs(last.raw - answer.verdict.score.raw) < 1e-3)
        // The batched scoring pass reads the hooks in the same order.
        let fresh = try engine.activations(of: [tokens + answer.tokens.map(\.id)], hooks: hooks)[0]
        #expect(fresh.last?.count == 3 * engine.dModel)
        #expect(abs(probe.score(fresh[fresh.count - 1]).raw - answer.verdict.score.raw) < 1e-2)
    }
}
