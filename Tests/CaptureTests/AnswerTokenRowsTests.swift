import ActivationStore
import Foundation
import Hooks
import Testing

@testable import Capture

/// Generated (and given) answers at position `all`: every answer token's rows and confidences, ragged by
/// `/tokens/offsets`, beside the per-answer positions an answer capture always stores.
@Suite("Answer token rows (position all)") struct AnswerTokenRowsTests {
    static let hooks: [HookName] = [.residPost(0), .block(2, .mlpPost)]

    static func questions(_ dir: TemporaryDirectory) throws -> String {
        var lines = (0..<13).map {
            #"{"id": "q\#($0)", "question": "Capital of France \#($0)?", "answers": ["Paris"]}"#
        }
        lines[4] = #"{"id": "long", "question": "\#(String(repeating: "word ", count: 40))?", "answers": ["x"]}"#
        lines[7] =
            #"{"id": "given", "question": "Capital of Peru?", "response": "It is Lima , I think", "answers": ["Lima"]}"#
        return try dir.write("qa.jsonl", lines.joined(separator: "\n"))
    }

    @Test(
        "each answer's token rows and scores, 0 rows for a skipped question; the other positions as at position answer")
    func tokenRows() throws {
        let dir = try TemporaryDirectory()
        let jsonl = try Self.questions(dir)
        let engine = FakeEngine()
        engine.contextLength = 30  // the 40-word question is skipped
        var request = CaptureRequest(datasets: [jsonl], outPath: dir.path("all.h5"), hooks: Self.hooks, position: .all)
        request.batchSize = 4
        let summary = try CapturePipeline(engine: engine, request: request).run()
        #expect(summary.totalExamples == 13 && summary.skipped == 1)
        request.position = .answer
        request.outPath = dir.path("answer.h5")
        _ = try CapturePipeline(engine: engine, request: request).run()

        let all = try ActivationReader(path: dir.path("all.h5")),
            one = try ActivationReader(path: dir.path("answer.h5"))
        let ranges = try #require(try all.tokenRanges())
        let counts = try all.nTokens().map(Int.init)
        #expect(ranges.map(\.count) == counts && counts[4] == 0 && counts[7] == 6 && counts[0] == 4)
        let series = try #require(try all.tokenConfidence())
        for hook in Self.hooks {
            let width = try all.width(of: hook)
            let rows = try all.rows(hook: hook), last = try one.rows(hook: hook)
            for (i, range) in ranges.enumerated() where !range.isEmpty {
                let lastRow = Array(last[(i * width)..<((i + 1) * width)])
                let expected = FakeEngine.tokenRows(last: [hook: lastRow], count: range.count)[hook]
                #expect(Array(rows[(range.lowerBound * width)..<(range.upperBound * width)]) == expected)
            }
            for position in StoreSchema.answerPositions {
                let a = try all.rows(hook: hook, position: position), b = try one.rows(hook: hook, position: position)
                #expect(a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
            }
        }
        #expect(series["token_logprob"]?.count == ranges.last?.upperBound)
        let given = ranges[7]
        #expect(
            series["token_logprob"].map { Array($0[given]) }
                == (0..<6).map {
                    FakeEngine.score(token: Int32("It is Lima , I think".count + $0), position: 10 + $0).logprob
                })
        #expect(try all.labels() == one.labels() && all.answers() == one.answers())
    }

    @Test("a killed capture at position all resumes to the same rows")
    func resume() throws {
        let dir = try TemporaryDirectory()
        let jsonl = try Self.questions(dir)
        var request = CaptureRequest(datasets: [jsonl], outPath: dir.path("full.h5"), hooks: Self.hooks, position: .all)
        request.batchSize = 2
        request.chunkRows = 2
        _ = try CapturePipeline(engine: FakeEngine(), request: request).run()
        request.outPath = dir.path("cut.h5")
        let failing = FakeEngine()
        failing.failAfterPasses = 7
        #expect(throws: (any Error).self) { try CapturePipeline(engine: failing, request: request).run() }
        let committed = try ActivationReader(path: request.outPath).count
        #expect(committed > 0 && committed < 13)
        request.resume = true
        #expect(try CapturePipeline(engine: FakeEngine(), request: request).run().resumedFrom == committed)
        let full = try ActivationReader(path: dir.path("full.h5")), cut = try ActivationReader(path: request.outPath)
        #expect(try cut.tokenRanges() == full.tokenRanges() && cut.tokenConfidence() == full.tokenConfidence())
        for hook in Self.hooks { #expect(try cut.rows(hook: hook) == full.rows(hook: hook)) }
    }

    @Test("statements and questions in one capture are refused before anything is written")
    func mixedKinds() throws {
        let dir = try TemporaryDirectory()
        let csv = try dir.write("s.csv", "statement,label\nParis is in France.,1\n")
        let jsonl = try Self.questions(dir)
        let request = CaptureRequest(
            datasets: [csv, jsonl], outPath: dir.path("m.h5"), hooks: Self.hooks, position: .all)
        #expect(throws: StoreError.self) { try CapturePipeline(engine: FakeEngine(), request: request).run() }
        #expect(!FileManager.default.fileExists(atPath: dir.path("m.h5")))
    }
}
