import Foundation
import GateTestSupport
import Hooks
import Testing
@testable import Gate

/// Given answers (`/v1/score` with a `response`) are teacher-forced and scored as a generated answer is.
@Suite struct GivenAnswerGateTests {
    struct MeanProbe: TruthProbe {
        var name = "given"
        var hook: HookName = .residPost(3)
        var position: ProbePosition = .answerMean
        var model = ModelIdentity(name: "fake", architecture: "llama", sha256: FakeEngine.sha)
        var inputWidth = 4
        func score(_ activation: [Float]) -> ProbeScore { FakeProbe().score(activation) }
    }

    @Test("the fake's own answer given back scores as generated; the probe named given is the default for answers")
    func givenEqualsGenerated() throws {
        let engine = FakeEngine(script: [5, 12, 7, 3])
        let gate = try Gate(engine: engine, probes: [FakeProbe(), MeanProbe()])
        #expect(try gate.givenAnswerProbe(named: nil).name == "given")
        #expect(try gate.givenAnswerProbe(named: "fake-probe").name == "fake-probe")
        let prompt = GatePrompt.chat([ChatMessage(role: "user", content: "Where is Paris?")])
        for probe in ["fake-probe", "given"] {
            let generated = try gate.generate(prompt, options: GenerationOptions(maxTokens: 8), probe: probe)
            let given = try gate.score(given: [GivenAnswer(prompt: prompt, response: generated.text)], probe: probe)
            #expect(given.count == 1)
            #expect(given[0].score == generated.verdict.score && given[0].position == generated.verdict.position)
        }
        // A different answer scores differently (its mean activation differs).
        let other = try gate.score(given: [GivenAnswer(prompt: prompt, response: "w3 w3 ")])
        #expect(
            other[0].score.pTrue
                != (try gate.score(given: [GivenAnswer(prompt: prompt, response: "w5 w12 ")]))[0].score.pTrue)
        // An empty response is read at the prompt's last token, as an empty generation is.
        #expect(try gate.score(given: [GivenAnswer(prompt: prompt, response: "")])[0].position == .promptLast)
    }

    @Test("a given answer longer than the context is refused with the lengths")
    func tooLong() throws {
        let gate = try Gate(engine: FakeEngine(contextLength: 20), probes: [FakeProbe()])
        #expect(throws: GateError.self) {
            try gate.score(given: [
                .question("Where is Paris?", response: String(repeating: "w5 ", count: 30), chat: true)
            ])
        }
    }
}

/// On SmolLM2 with its shipped answer-position probes: the model's own greedy answer, given back, gets the verdict
/// its generation got (teacher forcing in one pass against prefill plus decode steps: float rounding apart), for a
/// hidden-state probe and for a hybrid one, which also reads the pass's confidences.
@Suite struct RealModelGivenAnswerTests {
    @Test("a generated answer given back scores as generated, with answers.json and given.json")
    func givenBack() throws {
        guard let modelPath = RealModelGateTests.model() else { return }
        let folder = RealModelGateTests.root.appendingPathComponent("probes/smollm2-135m-instruct").path
        let paths = ["answers.json", "given.json"].map { "\(folder)/\($0)" }
            .filter { FileManager.default.fileExists(atPath: $0) }
        #expect(!paths.isEmpty)
        let gate = try Gate.load(engine: try InferenceGateEngine(path: modelPath), probePaths: paths)
        for question in ["What is the capital of France?", "Who wrote Hamlet?", "What is 7 times 8?"] {
            let prompt = GatePrompt.chat([ChatMessage(role: "user", content: question)])
            for probe in gate.probes {
                let generated = try gate.generate(prompt, options: GenerationOptions(maxTokens: 24), probe: probe.name)
                let given = try gate.score(
                    given: [GivenAnswer(prompt: prompt, response: generated.text)], probe: probe.name)
                #expect(given[0].position == generated.verdict.position)
                #expect(
                    abs(given[0].score.raw - generated.verdict.score.raw) < 1e-3
                        * max(1, abs(generated.verdict.score.raw)),
                    "\(probe.name) on \(question): \(given[0].score.raw) against \(generated.verdict.score.raw)")
            }
        }
    }
}
