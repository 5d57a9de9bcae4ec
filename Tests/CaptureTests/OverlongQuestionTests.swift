import Foundation
import Testing
import ActivationStore
@testable import Capture

/// Hardening defect 16, answers: a question whose prompt fills the context used to end the capture with the
/// engine's context-overflow error, and `--resume` stopped at it again.
@Suite struct OverlongQuestionTests {
    static let hooks = CapturePipelineTests.hooks

    @Test("questions whose prompt fills the context are skipped and recorded; the others are answered as before")
    func overlongQuestions() throws {
        let dir = try TemporaryDirectory()
        // Questions 3 and 7 are long; the fake's prompt is 4 tokens plus one per word, its context 12.
        let lines = (0..<10).map { i in
            let words = [3, 7].contains(i) ? String(repeating: " very", count: 20) : ""
            return #"{"id": "q\#(i)", "question": "Capital of\#(words) France \#(i)?", "answers": ["Paris"]}"#
        }
        let jsonl = try dir.write("qa.jsonl", lines.joined(separator: "\n"))
        let engine = FakeEngine()
        engine.contextLength = 12
        var request = CaptureRequest(
            datasets: [jsonl], outPath: dir.path("qa.h5"), hooks: Self.hooks, position: .answer)
        request.batchSize = 4
        request.chunkRows = 8
        let summary = try CapturePipeline(engine: engine, request: request).run()
        #expect(summary.totalExamples == 10 && summary.skipped == 2 && summary.correct == 8)
        #expect(summary.text.contains("2 questions longer than the model's context skipped"))
        #expect(summary.text.contains("8/8 answers correct"))

        try Self.check(dir.path("qa.h5"), engine: engine)
        // --resume on the finished file neither fails at the long questions nor adds rows.
        request.resume = true
        #expect(try CapturePipeline(engine: engine, request: request).run().totalExamples == 10)
    }

    static func check(_ path: String, engine: FakeEngine) throws {
        let reader = try ActivationReader(path: path)
        let labels = try reader.labels(), skipped = try #require(try reader.meta("skipped"))
        let answers = try #require(try reader.answers())
        let hook = Self.hooks[1], width = try engine.width(of: hook)
        let rows = try reader.rows(hook: hook)
        let exact = try reader.rows(hook: hook, position: .answerExact)
        for i in 0..<10 {
            let row = rows[(i * width)..<((i + 1) * width)], exactRow = exact[(i * width)..<((i + 1) * width)]
            if [3, 7].contains(i) {
                #expect(labels[i] == -1 && answers[i] == "")
                #expect(skipped[i] == "prompt of 28 tokens leaves no room to answer in the model's context of 12")
                #expect(row.allSatisfy(\.isNaN) && exactRow.allSatisfy(\.isNaN))
            } else {
                #expect(labels[i] == 1 && answers[i] == "It is Paris." && skipped[i] == "")
                // The fake's last row is 12 + column; answer_exact is the fourth extra position (+400).
                #expect(Array(row) == (0..<width).map { 12 + Float($0) })
                #expect(Array(exactRow) == (0..<width).map { 412 + Float($0) })
            }
        }
    }
}
