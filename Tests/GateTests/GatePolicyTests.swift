import GateTestSupport
import Foundation
import Hooks
import Testing
@testable import Gate

@Suite struct GatePolicyTests {
    func answer(script: [Int]) throws -> GatedAnswer {
        try Gate(engine: FakeEngine(script: script), probes: [FakeProbe()])
            .generate(.text("q"), options: GenerationOptions(maxTokens: 8))
    }

    @Test("annotate returns the answer with its flag, flagged or not")
    func annotate() async throws {
        let flagged = try answer(script: [5, 7])
        #expect(flagged.verdict.score.flag == .likelyFalse)
        let outcome = try await GatePolicy(action: .annotate).apply(
            to: flagged, prompt: .text("q"),
            options: GenerationOptions(), escalator: nil)
        #expect(outcome.text == flagged.text)
        #expect(outcome.kind == .passed)
        #expect(outcome.isFlagged)
    }

    @Test("abstain replaces a flagged answer with the message and keeps the original")
    func abstain() async throws {
        let policy = GatePolicy(action: .abstain, abstainMessage: "no comment")
        let flagged = try answer(script: [5, 7])
        let outcome = try await policy.apply(
            to: flagged, prompt: .text("q"), options: GenerationOptions(),
            escalator: nil)
        #expect(outcome.text == "no comment")
        #expect(outcome.kind == .abstained)
        #expect(outcome.original.text == "w5 w7 ")
        let fine = try answer(script: [7, 5])
        let passed = try await policy.apply(to: fine, prompt: .text("q"), options: GenerationOptions(), escalator: nil)
        #expect(passed.kind == .passed)
        #expect(passed.text == "w7 w5 ")
    }

    @Test("a pre-generation (question) probe under abstain decides on the question alone: nothing is decoded")
    func decidedBeforeDecode() async throws {
        var probe = FakeProbe()
        probe.position = .question
        let engine = FakeEngine(script: [5, 5, 5])
        let service = GateService(
            gate: try Gate(engine: engine, probes: [probe]),
            policy: GatePolicy(action: .abstain, abstainMessage: "no comment"))
        // FakeEngine: one token per character; "8" ends the prompt on a token the probe flags, "5" on one it passes.
        let flagged = try service.prepare(.text("q8"), options: GenerationOptions(maxTokens: 3))
        let outcome = try await service.answer(flagged, slot: try service.queue.reserve())
        #expect(outcome.kind == .abstained && outcome.text == "no comment")
        #expect(
            outcome.original.decidedBeforeDecode && outcome.original.tokens.isEmpty && outcome.original.text.isEmpty)
        #expect(outcome.original.verdict.position == .question && outcome.original.verdict.score.flag == .likelyFalse)
        #expect(engine.steps == 1)  // the prompt's pass only
        let fine = try await service.answer(
            try service.prepare(.text("q5"), options: GenerationOptions(maxTokens: 3)),
            slot: try service.queue.reserve())
        #expect(fine.kind == .passed && !fine.original.decidedBeforeDecode && fine.original.tokens.count == 3)
        // Under annotate the answer is always generated, and the question's score is its verdict.
        let annotated = try await service.answer(flagged, slot: try service.queue.reserve(), policy: GatePolicy())
        #expect(annotated.original.tokens.count == 3 && !annotated.original.decidedBeforeDecode)
        #expect(annotated.original.verdict.score.flag == .likelyFalse)
        // A probe of the answer is never asked before decoding.
        let answerService = GateService(
            gate: try Gate(engine: FakeEngine(script: [5, 5, 5]), probes: [FakeProbe()]),
            policy: GatePolicy(action: .abstain))
        let late = try await answerService.answer(
            try answerService.prepare(.text("q8"), options: GenerationOptions(maxTokens: 3)),
            slot: try answerService.queue.reserve())
        #expect(late.original.tokens.count == 3 && !late.original.decidedBeforeDecode)
    }

    @Test("the trigger flags decide what counts as flagged")
    func triggers() async throws {
        let uncertain = try answer(script: [3])
        #expect(uncertain.verdict.score.flag == .uncertain)
        let strict = GatePolicy(action: .abstain, triggerFlags: [.uncertain, .likelyFalse])
        let outcome = try await strict.apply(
            to: uncertain, prompt: .text("q"), options: GenerationOptions(),
            escalator: nil)
        #expect(outcome.kind == .abstained)
        let lenient = GatePolicy(action: .abstain)
        #expect(
            try await lenient.apply(
                to: uncertain, prompt: .text("q"), options: GenerationOptions(),
                escalator: nil
            ).kind == .passed)
    }

    @Test("escalate forwards only flagged answers upstream and marks them escalated")
    func escalate() async throws {
        let upstream = FakeEscalator()
        let policy = GatePolicy(action: .escalate)
        let outcome = try await policy.apply(
            to: try answer(script: [5, 7]), prompt: .text("q"),
            options: GenerationOptions(), escalator: upstream)
        #expect(outcome.kind == .escalated)
        #expect(outcome.text == "upstream says hi")
        #expect(outcome.upstreamModel == "big-model")
        #expect(outcome.original.text == "w5 w7 ")
        _ = try await policy.apply(
            to: try answer(script: [7, 5]), prompt: .text("q"), options: GenerationOptions(),
            escalator: upstream)
        #expect(upstream.calls == 1)
        await #expect(throws: GateError.self) {
            try await policy.apply(
                to: try answer(script: [5, 7]), prompt: .text("q"), options: GenerationOptions(),
                escalator: nil)
        }
    }

    @Test("an upstream OpenAI response is read from message.content or text, and garbage is an error")
    func parseUpstream() throws {
        let chat = Data(#"{"model":"m","choices":[{"message":{"role":"assistant","content":"hello"}}]}"#.utf8)
        #expect(
            try OpenAIUpstream.parse(chat, url: "u", fallbackModel: "x") == UpstreamAnswer(text: "hello", model: "m"))
        let text = Data(#"{"choices":[{"text":"there"}]}"#.utf8)
        #expect(
            try OpenAIUpstream.parse(text, url: "u", fallbackModel: "x") == UpstreamAnswer(text: "there", model: "x"))
        #expect(throws: GateError.self) { try OpenAIUpstream.parse(Data("<html>".utf8), url: "u", fallbackModel: "x") }
        #expect(throws: GateError.self) {
            try OpenAIUpstream.parse(Data(#"{"choices":[{}]}"#.utf8), url: "u", fallbackModel: "x")
        }
    }
}
