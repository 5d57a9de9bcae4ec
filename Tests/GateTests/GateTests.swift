import GateTestSupport
import Foundation
import Hooks
import Testing
@testable import Gate

@Suite struct GateGenerationTests {
    let probe = FakeProbe()

    @Test("the verdict is the probe read at the last answer token, captured during generation")
    func verdictAtLastAnswerToken() throws {
        let engine = FakeEngine(script: [5, 12, 7, 3])
        let gate = try Gate(engine: engine, probes: [probe])
        var streamed: [ScoredToken] = []
        let answer = try gate.generate(.text("hi"), options: GenerationOptions(maxTokens: 10)) { token in
            streamed.append(token)
            return true
        }
        #expect(answer.text == "w5 w12 w7 w3 ")
        #expect(answer.finishReason == .stop)
        #expect(answer.promptTokens == 2)
        #expect(answer.tokens.map(\.id) == [5, 12, 7, 3])
        #expect(streamed == answer.tokens)
        // Each token is scored at its own position: activation(token).
        for token in answer.tokens {
            #expect(token.score == probe.score(FakeEngine.activation(token.id)))
        }
        #expect(answer.verdict.score == probe.score(FakeEngine.activation(3)))
        #expect(answer.verdict.score.flag == .uncertain)
        #expect(answer.verdict.position == .answer)
        #expect(answer.verdict.hook == probe.hook.description)
        #expect(engine.calls == 1)  // one generation: no second forward pass for scoring
        #expect(engine.steps == 5)  // the prompt's pass + one per token
    }

    @Test("max_tokens stops with finish length and still scores the last token at its own position")
    func lengthFinish() throws {
        let engine = FakeEngine(script: [5, 12, 7, 3], endsTurn: false)
        let gate = try Gate(engine: engine, probes: [probe])
        let answer = try gate.generate(.text("hi"), options: GenerationOptions(maxTokens: 3))
        #expect(answer.finishReason == .length)
        #expect(answer.tokens.map(\.id) == [5, 12, 7])
        #expect(answer.verdict.score == probe.score(FakeEngine.activation(7)))
        #expect(answer.verdict.score.flag == .likelyFalse)
    }

    @Test("a mean-position probe is read at the mean of the answer's activations")
    func meanProbe() throws {
        var meanProbe = FakeProbe()
        meanProbe.position = .mean
        let gate = try Gate(engine: FakeEngine(script: [5, 7]), probes: [meanProbe])
        let answer = try gate.generate(.text("hi"), options: GenerationOptions(maxTokens: 8))
        let mean = zip(FakeEngine.activation(5), FakeEngine.activation(7)).map { ($0 + $1) / 2 }
        #expect(answer.verdict.score == meanProbe.score(mean))
        #expect(answer.verdict.position == .answerMean)
    }

    @Test("a probe that reads confidences gets the answer's running log-prob summary at every token and at the verdict")
    func confidenceProbe() throws {
        final class Recorder: @unchecked Sendable { var seen: [[String: Double]] = [] }
        struct ConfidenceProbe: TruthProbe {
            let recorder: Recorder
            var name = "conf"
            var hook: HookName = .residPost(3)
            var position: ProbePosition = .last
            var model = ModelIdentity(name: "fake", architecture: "llama", sha256: FakeEngine.sha)
            var inputWidth = 4
            var confidenceFeatures: [String] { ["mean_logprob", "min_logprob"] }
            func score(_ activation: [Float]) -> ProbeScore { FakeProbe().score(activation) }
            func score(_ activation: [Float], confidence: [String: Double]) -> ProbeScore {
                recorder.seen.append(confidence)
                return score(activation)
            }
        }
        let recorder = Recorder()
        let gate = try Gate(engine: FakeEngine(script: [5, 12, 7]), probes: [ConfidenceProbe(recorder: recorder)])
        _ = try gate.generate(.text("hi"), options: GenerationOptions(maxTokens: 8))
        // FakeEngine: log-prob −0.1·(token mod 5) → 0, −0.2, −0.2; three token scores and the verdict.
        #expect(recorder.seen.count == 4)
        let means = recorder.seen.map { $0["mean_logprob"]! }
        #expect(zip(means, [0, -0.1, -0.4 / 3, -0.4 / 3]).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(recorder.seen.last?["min_logprob"] == -0.2)
    }

    @Test("verdict positions are the strings responses show; every probe position maps to one")
    func verdictPositions() throws {
        #expect(
            Verdict.Position.allCases.map(\.rawValue) == [
                "answer", "answer_mean", "answer_max", "answer_exact", "question", "prompt_last", "last", "mean",
            ])
        for position in ProbePosition.allCases {
            var probe = FakeProbe()
            probe.position = position
            let answer = try Gate(engine: FakeEngine(script: [5, 7]), probes: [probe])
                .generate(.text("hi"), options: GenerationOptions(maxTokens: 8))
            let expected: Verdict.Position =
                switch position {
                case .mean, .answerMean: .answerMean
                case .answerMax: .answerMax
                case .answerExact: .answerExact
                case .question: .question
                case .last, .all, .answer: .answer
                }
            #expect(answer.verdict.position == expected, "\(position)")
            #expect(answer.verdict.hook == "blocks.3.hook_resid_post" && answer.verdict.hooks == [.residPost(3)])
        }
    }

    @Test("answer_max probes read the element-wise max of the answer; question probes the prompt's last token")
    func extraPositions() throws {
        var maxProbe = FakeProbe(), questionProbe = FakeProbe()
        maxProbe.position = .answerMax
        questionProbe.position = .question
        questionProbe.name = "pre"
        let gate = try Gate(engine: FakeEngine(script: [5, 7]), probes: [maxProbe, questionProbe])
        let answer = try gate.generate(.text("hi"), options: GenerationOptions(maxTokens: 8))
        let maximum = zip(FakeEngine.activation(5), FakeEngine.activation(7)).map { Swift.max($0, $1) }
        #expect(answer.verdict.score == maxProbe.score(maximum) && answer.verdict.position == .answerMax)
        let pre = try gate.generate(.text("hi"), options: GenerationOptions(maxTokens: 8), probe: "pre")
        let lastPrompt = try FakeEngine().textTokens("hi").last!
        #expect(pre.verdict.score == questionProbe.score(FakeEngine.activation(lastPrompt)))
        #expect(pre.verdict.position == .question)
    }

    @Test("answer_exact probes read the exact answer's last token: the first answer words the question lacks")
    func exactAnswer() throws {
        var exactProbe = FakeProbe()
        exactProbe.position = .answerExact
        let gate = try Gate(engine: FakeEngine(script: [5, 12, 7]), probes: [exactProbe])
        // "w5 w12 w7": w5 and w7 are in the question, so the exact answer is "w12".
        let answer = try gate.generate(.chat([.user("is it w5 or w7?")]), options: GenerationOptions(maxTokens: 8))
        #expect(answer.verdict.score == exactProbe.score(FakeEngine.activation(12)))
        #expect(answer.verdict.position == .answerExact)
        // With every answer word in the question there is no exact answer: the last answer token is read.
        let plain = try gate.generate(.text("w5 w12 w7"), options: GenerationOptions(maxTokens: 8))
        #expect(plain.verdict.score == exactProbe.score(FakeEngine.activation(7)))
    }

    @Test("an immediate end-of-turn gives an empty answer scored at the last prompt token")
    func emptyAnswer() throws {
        let gate = try Gate(engine: FakeEngine(script: []), probes: [probe])
        let answer = try gate.generate(.text("ab"), options: GenerationOptions(maxTokens: 8))
        #expect(answer.text == "")
        #expect(answer.tokens.isEmpty)
        let lastPrompt = try FakeEngine().textTokens("ab").last!
        #expect(answer.verdict.score == probe.score(FakeEngine.activation(lastPrompt)))
        #expect(answer.verdict.position == .promptLast)
    }

    @Test("onToken returning false stops generation with finish cancelled")
    func stopFromCallback() throws {
        let engine = FakeEngine(script: [5, 12, 7, 3])
        let gate = try Gate(engine: engine, probes: [probe])
        let answer = try gate.generate(.text("hi"), options: GenerationOptions(maxTokens: 10)) { $0.index < 1 }
        #expect(answer.finishReason == .cancelled)
        #expect(answer.tokens.count == 2)
        #expect(engine.steps == 3)  // the prompt's pass + two tokens
    }

    @Test("scoring texts reads the probe's position in one pass per text")
    func scoreTexts() throws {
        let engine = FakeEngine()
        let gate = try Gate(engine: engine, probes: [probe])
        let verdicts = try gate.score(texts: ["ab", "xyz"])
        #expect(verdicts.count == 2)
        let lastX = try engine.textTokens("xyz").last!
        #expect(verdicts[1].score == probe.score(FakeEngine.activation(lastX)))
        #expect(verdicts[1].position == .last)
    }

    @Test("a chat with no messages, or an empty text, is refused")
    func emptyPrompts() throws {
        let gate = try Gate(engine: FakeEngine(), probes: [probe])
        #expect(throws: GateError.emptyPrompt) { try gate.generate(.chat([]), options: GenerationOptions()) }
        #expect(throws: GateError.emptyPrompt) { try gate.generate(.text(""), options: GenerationOptions()) }
        #expect(throws: GateError.emptyPrompt) { try gate.score(texts: [""]) }
    }

    @Test("prompt plus max_tokens beyond the context length is refused before generating")
    func contextLength() throws {
        let engine = FakeEngine(contextLength: 16)
        let gate = try Gate(engine: engine, probes: [probe])
        let long = String(repeating: "a", count: 12)
        #expect(throws: GateError.contextLengthExceeded(promptTokens: 12, maxTokens: 5, contextLength: 16)) {
            try gate.generate(.text(long), options: GenerationOptions(maxTokens: 5))
        }
        _ = try gate.generate(.text(long), options: GenerationOptions(maxTokens: 4))
        #expect(engine.calls == 1)
    }

    @Test(
        "bad sampling options are refused",
        arguments: [
            GenerationOptions(maxTokens: 0), GenerationOptions(temperature: -1), GenerationOptions(temperature: 3),
            GenerationOptions(topP: 0), GenerationOptions(topP: 1.5),
        ])
    func badOptions(options: GenerationOptions) throws {
        let gate = try Gate(engine: FakeEngine(), probes: [probe])
        #expect(throws: GateError.self) { try gate.generate(.text("hi"), options: options) }
    }
}

@Suite struct GateProbeCheckTests {
    @Test("a probe trained on another model is refused unless explicitly allowed")
    func modelMismatch() throws {
        let engine = FakeEngine(sha256: String(repeating: "cd", count: 32))
        #expect(throws: GateError.self) { try Gate(engine: engine, probes: [FakeProbe()]) }
        do {
            _ = try Gate(engine: engine, probes: [FakeProbe()])
        } catch let error as GateError {
            #expect(error.description.contains("--allow-model-mismatch"))
        }
        let gate = try Gate(engine: engine, probes: [FakeProbe()], allowModelMismatch: true)
        #expect(gate.probes.count == 1)
    }

    @Test("a probe on a hook the model lacks, of the wrong width, or a duplicate name is refused")
    func otherChecks() {
        var badHook = FakeProbe()
        badHook.hook = .block(3, .mlpOut)  // FakeEngine has only the residual stream
        #expect(throws: GateError.unknownHook(probe: "fake-probe", hook: "blocks.3.hook_mlp_out")) {
            try Gate(engine: FakeEngine(), probes: [badHook])
        }
        var wide = FakeProbe()
        wide.inputWidth = 8
        #expect(throws: GateError.widthMismatch(probe: "fake-probe", expected: 4, found: 8)) {
            try Gate(engine: FakeEngine(), probes: [wide])
        }
        #expect(throws: GateError.duplicateProbe(name: "fake-probe")) {
            try Gate(engine: FakeEngine(), probes: [FakeProbe(), FakeProbe()])
        }
        #expect(throws: GateError.noProbes) { try Gate(engine: FakeEngine(), probes: []) }
    }

    @Test("probes are chosen by name among those loaded; an unknown name lists the loaded ones")
    func probeByName() throws {
        var second = FakeProbe()
        second.name = "other"
        let gate = try Gate(engine: FakeEngine(), probes: [FakeProbe(), second])
        #expect(try gate.probe(named: nil).name == "fake-probe")
        #expect(try gate.probe(named: "other").name == "other")
        #expect(throws: GateError.unknownProbe(name: "/etc/passwd", available: ["fake-probe", "other"])) {
            try gate.probe(named: "/etc/passwd")
        }
    }
}

@Suite struct ShippedProbeTests {
    /// A folder laid out like `probes/`: two model folders, a non-artifact JSON and a stray file.
    static func folder() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("shipped-\(UUID().uuidString)").path
        func write(_ relative: String, _ object: Any) throws {
            let path = root + "/" + relative
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        }
        let artifact = { (sha: String) in ["format": "polygraph.probe", "model": ["sha256": sha]] as [String: Any] }
        try write("model-a/statements.json", artifact("AA"))
        try write("model-a/answers.json", artifact("aa"))
        try write("model-a/question.json", artifact("aa"))
        try write("model-a/reports/sweep.json", artifact("aa"))  // reports are not probes: two levels down
        try write("model-a/notes.json", ["format": "something-else", "model": ["sha256": "aa"]])
        try write("model-b/answers.json", artifact("bb"))
        try Data("not json".utf8).write(to: URL(fileURLWithPath: root + "/model-b/broken.json"))
        return root
    }

    @Test("the probes trained on a model are found by its sha256, answers.json first; other files are skipped")
    func findsByHash() throws {
        let root = try Self.folder()
        #expect(
            ShippedProbes.find(forModelSHA256: "aa", in: root).map { ($0 as NSString).lastPathComponent }
                == ["answers.json", "question.json", "statements.json"])
        #expect(ShippedProbes.find(forModelSHA256: "bb", in: root).count == 1)
        #expect(ShippedProbes.find(forModelSHA256: "cc", in: root).isEmpty)
        #expect(ShippedProbes.find(forModelSHA256: "aa", in: root + "/missing").isEmpty)
        let message = GateError.noShippedProbe(
            model: ModelIdentity(name: "M", architecture: "llama", sha256: "cc"),
            directory: "probes"
        ).description
        #expect(message.contains("no probe under probes/") && message.contains("--probe"))
    }

    @Test("the repository's shipped probes are found for the SmolLM2 file they were trained on")
    func repositoryProbes() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let smol = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
        let found = ShippedProbes.find(forModelSHA256: smol, in: root + "/probes")
        #expect(found.first?.hasSuffix("probes/smollm2-135m-instruct/answers.json") == true)
    }
}
