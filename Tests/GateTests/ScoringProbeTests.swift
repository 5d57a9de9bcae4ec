import Foundation
import GateTestSupport
import Hooks
import Testing
@testable import Gate

/// `/v1/score` scores given texts; a hybrid probe also reads the model's confidence in an answer it generated, which a
/// given text does not have (it used to score NaN, and the server answered 500 encoding it).
@Suite struct ScoringProbeTests {
    struct HybridProbe: TruthProbe {
        var name = "answers"
        var hook: HookName = .residPost(3)
        var position: ProbePosition = .answerExact
        var model = ModelIdentity(name: "fake", architecture: "llama", sha256: FakeEngine.sha)
        var inputWidth = 4
        var confidenceFeatures: [String] { ["mean_logprob"] }
        func score(_ activation: [Float]) -> ProbeScore { ProbeScore(raw: .nan, pTrue: 0, flag: .likelyFalse) }
    }

    @Test(
        "texts are scored by the first probe that reads hidden states only; a hybrid probe named for it is a clear error"
    )
    func hybridIsRefused() throws {
        var statements = FakeProbe()
        statements.name = "statements"
        let gate = try Gate(engine: FakeEngine(), probes: [HybridProbe(), statements])
        #expect(try gate.scoringProbe(named: nil).name == "statements")
        let verdicts = try gate.score(texts: ["Paris is in France."])
        #expect(verdicts.count == 1 && verdicts[0].probe == "statements" && verdicts[0].score.raw.isFinite)
        do {
            _ = try gate.score(texts: ["Paris is in France."], probe: "answers")
            Issue.record("a hybrid probe scored a given text")
        } catch let error as GateError {
            #expect(error.description.contains("hybrid probe") && error.description.contains("statements"))
        }
        let only = try Gate(engine: FakeEngine(), probes: [HybridProbe()])
        #expect(throws: GateError.self) { try only.score(texts: ["x"]) }
    }
}
