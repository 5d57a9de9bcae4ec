import GateTestSupport
import Testing
@testable import Gate

/// OpenAI `stop` sequences: the FakeEngine's answer for script [5, 12, 7, 3] is "w5 w12 w7 w3 " (one token per word).
@Suite struct StopSequenceTests {
    let probe = FakeProbe()

    func run(_ stop: [String], script: [Int] = [5, 12, 7, 3]) throws -> (GatedAnswer, [ScoredToken], FakeEngine) {
        let engine = FakeEngine(script: script)
        let gate = try Gate(engine: engine, probes: [probe])
        var streamed: [ScoredToken] = []
        let answer = try gate.generate(.text("hi"), options: GenerationOptions(maxTokens: 10, stop: stop)) { token in
            streamed.append(token)
            return true
        }
        return (answer, streamed, engine)
    }

    @Test(
        "a stop sequence spanning two tokens ends generation there, cuts the text before it and scores the last kept token"
    )
    func spanningTokens() throws {
        let (answer, streamed, engine) = try run(["2 w7"])
        #expect(answer.text == "w5 w1")
        #expect(answer.finishReason == .stop)
        #expect(answer.tokens.map(\.id) == [5, 12])
        #expect(answer.tokens.map(\.text) == ["w5 ", "w1"])
        #expect(streamed == answer.tokens)
        #expect(answer.verdict.score == probe.score(FakeEngine.activation(12)))
        #expect(engine.steps == 4)  // the prompt + 3 tokens: nothing generated after the stop sequence completed
    }

    @Test("the earliest of several stop sequences wins; a stop sequence at the very start gives an empty answer")
    func earliestAndEmpty() throws {
        let (a, _, _) = try run(["w3", "w12"])
        #expect(a.text == "w5 ")
        let (b, streamed, _) = try run(["w5"])
        #expect(b.text == "")
        #expect(b.tokens.isEmpty && streamed.isEmpty)
        #expect(b.verdict.position == .promptLast)
    }

    @Test("text that only looks like the start of a stop sequence is held back, then released unchanged")
    func heldBackThenReleased() throws {
        let (answer, streamed, _) = try run(["w7 x"])
        #expect(answer.text == "w5 w12 w7 w3 ")
        #expect(answer.finishReason == .stop)  // the scripted end-of-turn, not a stop sequence
        #expect(streamed.map(\.id) == [5, 12, 7, 3])
        #expect(streamed == answer.tokens)
    }

    @Test("the filter releases a token only when no stop sequence can start inside it")
    func filterReleaseOrder() {
        var f = StopSequenceFilter(stops: ["ab"])
        func token(_ i: Int, _ text: String) -> ScoredToken {
            ScoredToken(index: i, id: i, text: text, score: ProbeScore(raw: 0, pTrue: 0.5, flag: .uncertain))
        }
        #expect(f.push(token(0, "xa")).release.isEmpty)  // "a" may begin "ab"
        let second = f.push(token(1, "cd"))  // "xacd": no match possible any more
        #expect(second.release.map(\.text) == ["xa", "cd"] && !second.stopped)
        let third = f.push(token(2, "zzab!"))
        #expect(third.stopped && third.release.map(\.text) == ["zz"])
        #expect(f.text == "xacdzz")
    }
}
