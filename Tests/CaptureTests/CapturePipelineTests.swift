import Foundation
import Hooks
import Testing
import ActivationStore
import Inference
@testable import Capture

@Suite("Capture pipeline") struct CapturePipelineTests {
    static let hooks: [HookName] = [.residPost(0), .block(2, .mlpPost)]

    static func statements(_ dir: TemporaryDirectory, _ name: String, count: Int, offset: Int = 0) throws -> String {
        let rows = (0..<count).map { i in
            "\"stmt \(i + offset)\(String(repeating: " w", count: (i * 7) % 5)), x\",\(i % 2),c\(i % 3)"
        }
        return try dir.write(name, "statement,label,country\n" + rows.joined(separator: "\n") + "\n")
    }

    @Test(
        "last, mean and all rows equal the engine's rows at the text positions, in dataset order",
        arguments: [CapturePosition.last, .mean, .all])
    func positions(position: CapturePosition) throws {
        let dir = try TemporaryDirectory()
        let csv = try Self.statements(dir, "facts.csv", count: 23)
        let engine = FakeEngine()
        var request = CaptureRequest(datasets: [csv], outPath: dir.path("o.h5"), hooks: Self.hooks, position: position)
        request.batchSize = 4
        var steps: [CaptureProgress] = []
        let summary = try CapturePipeline(engine: engine, request: request) { steps.append($0) }.run()
        #expect(summary.examples == 23 && summary.totalExamples == 23)
        #expect(steps.map(\.done) == steps.map(\.done).sorted() && steps.allSatisfy { $0.total == 23 })
        #expect(steps.last == CaptureProgress(done: 23, total: 23, tokens: summary.tokens, resumed: 0, finished: true))
        #expect(steps.dropLast().allSatisfy { !$0.finished } && steps.count == engine.batchSizes.count + 1)
        #expect(engine.batchSizes.allSatisfy { $0 <= 4 })
        let reader = try ActivationReader(path: dir.path("o.h5"))
        let dataset = try Dataset.load(path: csv)
        #expect(try reader.texts() == dataset.examples.map(\.text))
        #expect(try reader.meta("country") == dataset.examples.map { $0.meta["country"] ?? "" })
        let hook = Self.hooks[1]
        let width = try engine.width(of: hook)
        for index in [0, 5, 22] {
            let prepared = try engine.prepare(statement: dataset.examples[index].text)
            let full = try engine.prefill([prepared.tokens], hooks: [hook], scoreTokens: false)[0].rows[hook]!
            let rows = try reader.rows(hook: hook, examples: index..<(index + 1))
            let span = prepared.textSpan
            switch position {
            case .last, .answer:
                #expect(rows == Array(full[((span.upperBound - 1) * width)..<(span.upperBound * width)]))
            case .all: #expect(rows == Array(full[(span.lowerBound * width)..<(span.upperBound * width)]))
            case .mean:
                let expected = (0..<width).map { c in
                    span.reduce(Float(0)) { $0 + full[$1 * width + c] } * (1 / Float(span.count))
                }
                #expect(zip(rows, expected).allSatisfy { abs($0 - $1) < 1e-5 })
            }
        }
    }

    /// Hardening defect 16: one statement longer than the context used to abort the capture, and --resume again.
    @Test(
        "statements longer than the context are skipped and recorded; the others are captured as before",
        arguments: [CapturePosition.last, .all])
    func overlongStatements(position: CapturePosition) throws {
        let dir = try TemporaryDirectory()
        let csv = try Self.statements(dir, "facts.csv", count: 23)
        let engine = FakeEngine()
        engine.contextLength = 5
        var request = CaptureRequest(datasets: [csv], outPath: dir.path("o.h5"), hooks: Self.hooks, position: position)
        request.batchSize = 4
        let summary = try CapturePipeline(engine: engine, request: request).run()
        let dataset = try Dataset.load(path: csv)
        let long = try dataset.examples.indices.filter {
            try engine.prepare(statement: dataset.examples[$0].text).tokens.count > 5
        }
        #expect(!long.isEmpty && long.count < 23)
        #expect(summary.totalExamples == 23 && summary.skipped == long.count)
        #expect(summary.text.contains("\(long.count) statements longer than the model's context skipped"))
        try Self.checkSkipped(dir.path("o.h5"), long: long, engine: engine, dataset: dataset, position: position)
        // --resume on the finished file neither fails at the long statements nor adds rows.
        request.resume = true
        #expect(try CapturePipeline(engine: engine, request: request).run().totalExamples == 23)
    }

    static func checkSkipped(
        _ path: String, long: [Int], engine: FakeEngine, dataset: Dataset,
        position: CapturePosition
    ) throws {
        let reader = try ActivationReader(path: path)
        let labels = try reader.labels(), skipped = try #require(try reader.meta("skipped"))
        let hook = Self.hooks[0], width = try engine.width(of: hook)
        let ranges = try reader.tokenRanges()
        for i in 0..<23 {
            let prepared = try engine.prepare(statement: dataset.examples[i].text)
            if long.contains(i) {
                #expect(labels[i] == -1)
                #expect(skipped[i] == "\(prepared.tokens.count) tokens, longer than the model's context of 5")
                if position == .last {
                    #expect(try reader.rows(hook: hook, examples: i..<(i + 1)).allSatisfy(\.isNaN))
                } else {
                    #expect(ranges?[i].isEmpty == true)
                }
            } else {
                #expect(labels[i] == Int8(i % 2) && skipped[i] == "")
                let full = try engine.prefill([prepared.tokens], hooks: [hook], scoreTokens: false)[0].rows[hook]!
                let span = prepared.textSpan
                let rows =
                    position == .last
                    ? try reader.rows(hook: hook, examples: i..<(i + 1))
                    : try reader.rows(hook: hook).dropFirst(ranges![i].lowerBound * width).prefix(
                        ranges![i].count * width
                    ).map { $0 }
                let lower = position == .last ? span.upperBound - 1 : span.lowerBound
                #expect(rows == Array(full[(lower * width)..<(span.upperBound * width)]))
            }
        }
    }

    @Test("forward passes hold at most --batch-size sequences and the token budget; a long text gets a pass alone")
    func batchesRespectTheTokenBudget() {
        let sizes = [3, 3, 3, 3, 50, 200]  // already length-sorted, as the pipeline sorts them
        let batches = CapturePipeline.batches(Array(sizes.indices), sizes: sizes, maxCount: 3, maxTokens: 60)
        #expect(batches == [[0, 1, 2], [3, 4], [5]])
        #expect(batches.flatMap { $0 } == Array(sizes.indices))
        for batch in batches where batch.count > 1 { #expect(batch.map { sizes[$0] }.reduce(0, +) <= 60) }
    }

    @Test("windows end every --batch-size × 8 examples and, at position all, before their rows pass the byte budget")
    func windowEnds() {
        #expect(CapturePipeline.windowEnds(rows: [5, 5, 5, 50, 1, 1], maxExamples: 4, maxRows: 12) == [2, 3, 4, 6])
        #expect(
            CapturePipeline.windowEnds(rows: Array(repeating: 1, count: 10), maxExamples: 4, maxRows: 100) == [
                4, 8, 10,
            ])
        #expect(CapturePipeline.windowEnds(rows: [], maxExamples: 4, maxRows: 12) == [])
    }

    /// A capture at position all held a whole window of 1,024 texts' rows twice or more: 2.6 GB for SmolLM2's cities.csv
    /// at every layer, tens of GB for chat-formatted texts on a 1.5B model.
    @Test("position all within a small byte budget: short passes and windows, the same file, and --resume after a kill")
    func allWithinByteBudget() throws {
        let dir = try TemporaryDirectory()
        let csv = try Self.statements(dir, "facts.csv", count: 60)
        var request = CaptureRequest(datasets: [csv], outPath: dir.path("wide.h5"), hooks: Self.hooks, position: .all)
        request.batchSize = 16
        request.chunkRows = 2  // commits every 8 rows
        _ = try CapturePipeline(engine: FakeEngine(), request: request).run()
        request.outPath = dir.path("narrow.h5")
        request.windowBytes = 12 * 4 * (4 + 6)  // 12 rows of the two hooks
        let engine = FakeEngine()
        let summary = try CapturePipeline(engine: engine, request: request).run()
        #expect(summary.totalExamples == 60 && engine.passes > 10)
        for (sequences, tokens) in zip(engine.batchSizes, engine.passTokens) where sequences > 1 {
            #expect(tokens <= 12)
        }
        let wide = try ActivationReader(path: dir.path("wide.h5"))
        for path in [dir.path("narrow.h5"), dir.path("cut.h5")] {
            if path.hasSuffix("cut.h5") {
                request.outPath = path
                let failing = FakeEngine()
                failing.failAfterPasses = 9
                #expect(throws: StoreError.self) { try CapturePipeline(engine: failing, request: request).run() }
                let committed = try ActivationReader(path: path).count
                #expect(committed > 0 && committed < 60)
                request.resume = true
                #expect(try CapturePipeline(engine: FakeEngine(), request: request).run().resumedFrom == committed)
            }
            let reader = try ActivationReader(path: path)
            #expect(try reader.texts() == wide.texts())
            for hook in Self.hooks { #expect(try reader.rows(hook: hook) == wide.rows(hook: hook)) }
        }
    }

    @Test("an interrupted capture resumed with --resume equals an uninterrupted one, each example once")
    func resume() throws {
        let dir = try TemporaryDirectory()
        let a = try Self.statements(dir, "a.csv", count: 150),
            b = try Self.statements(dir, "b.csv", count: 70, offset: 500)
        var request = CaptureRequest(
            datasets: [a, b], outPath: dir.path("full.h5"), hooks: Self.hooks, position: .last)
        request.batchSize = 3
        request.chunkRows = 8  // windows of 24 rows
        _ = try CapturePipeline(engine: FakeEngine(), request: request).run()

        request.outPath = dir.path("cut.h5")
        let failing = FakeEngine()
        failing.failAfterPasses = 50
        #expect(throws: StoreError.self) { try CapturePipeline(engine: failing, request: request).run() }
        let committed = try ActivationReader(path: request.outPath).count
        #expect(committed > 0 && committed < 220)
        #expect(throws: StoreError.fileExists(path: request.outPath)) {
            try CapturePipeline(engine: FakeEngine(), request: request).run()
        }
        request.resume = true
        let summary = try CapturePipeline(engine: FakeEngine(), request: request).run()
        #expect(summary.resumedFrom == committed && summary.examples == 220 - committed)

        do {
            let full = try ActivationReader(path: dir.path("full.h5")),
                cut = try ActivationReader(path: request.outPath)
            #expect(cut.count == 220)
            #expect(try cut.texts() == full.texts())
            #expect(try cut.sources() == full.sources())
            #expect(try cut.labels() == full.labels())
            for hook in Self.hooks { #expect(try cut.rows(hook: hook) == full.rows(hook: hook)) }
        }

        var other = request
        other.datasets = [b, a]
        #expect { try CapturePipeline(engine: FakeEngine(), request: other).run() } throws: { error in
            if case let StoreError.incompatibleResume(_, field, _, _) = error {
                return field.hasPrefix("number") || field.hasPrefix("text")
            }
            return false
        }
        other = request
        other.hooks = [Self.hooks[0]]
        #expect { try CapturePipeline(engine: FakeEngine(), request: other).run() } throws: { error in
            if case let StoreError.incompatibleResume(_, field, _, _) = error { return field == "hook set" }
            return false
        }
    }

    @Test(
        "an answer capture commits every chunk that holds two decode batches: a run killed after 30 answers keeps 24 of them and resumes from there"
    )
    func answerCommits() throws {
        let dir = try TemporaryDirectory()
        let lines = (0..<40).map { #"{"id": "q\#($0)", "question": "Capital number \#($0)?", "answers": ["Paris"]}"# }
        let jsonl = try dir.write("qa.jsonl", lines.joined(separator: "\n"))
        var request = CaptureRequest(
            datasets: [jsonl], outPath: dir.path("qa.h5"), hooks: Self.hooks, position: .answer)
        request.chunkRows = 8
        request.batchSize = 4  // questions decoded together: windows of 8 rows
        let engine = FakeEngine()
        engine.failAfterPasses = 30
        #expect(throws: (any Error).self) { try CapturePipeline(engine: engine, request: request).run() }
        // Before: windows of 8 batches × 128 rows meant no commit before row 1,024, so the kill kept nothing.
        #expect(try ActivationReader(path: dir.path("qa.h5")).count == 24)
        request.resume = true
        let summary = try CapturePipeline(engine: FakeEngine(), request: request).run()
        #expect(summary.resumedFrom == 24 && summary.examples == 16)
        #expect(try ActivationReader(path: dir.path("qa.h5")).meta("id") == (0..<40).map { "q\($0)" })
    }

    @Test(
        "questions are answered, graded (right / refused) and stored with the answer text and fields; --limit applies per dataset"
    )
    func questions() throws {
        let dir = try TemporaryDirectory()
        let jsonl = try dir.write(
            "qa.jsonl",
            """
            {"id": "q1", "question": "Capital of France?", "answers": ["Paris"], "topic": "capitals", "template": 2}
            {"id": "q2", "question": "Capital of Peru?", "answers": ["Lima"], "topic": "capitals"}
            {"id": "q3", "question": "Capital of Chad?", "answers": ["N'Djamena"]}
            """)
        var request = CaptureRequest(
            datasets: [jsonl], outPath: dir.path("qa.h5"), hooks: Self.hooks, position: .answer)
        request.limit = 2
        let summary = try CapturePipeline(engine: FakeEngine(), request: request).run()
        #expect(summary.correct == 1 && summary.refused == 1 && summary.examples == 2)
        #expect(summary.text.contains("1/2 answers correct (50.0%), 1 refused (50.0%)"))
        let reader = try ActivationReader(path: dir.path("qa.h5"))
        #expect(try reader.labels() == [1, -1])  // "I am not sure." is a refusal: label -1, grade "refused"
        #expect(try reader.meta("grade") == ["right", "refused"])
        #expect(try reader.answers() == ["It is Paris.", "I am not sure."])
        #expect(try reader.meta("id") == ["q1", "q2"])
        #expect(try reader.meta("topic") == ["capitals", "capitals"] && (try reader.meta("template")) == ["2", ""])
        #expect(try reader.rows(hook: Self.hooks[0], examples: 0..<1) == [12, 13, 14, 15])
        #expect(reader.positions.map(\.rawValue) == StoreSchema.answerPositions.map(\.rawValue).sorted())
        #expect(try reader.rows(hook: Self.hooks[0], examples: 0..<1, position: .question) == [112, 113, 114, 115])
        #expect(try reader.rows(hook: Self.hooks[1], position: .answerMax).count == 2 * 6)
        #expect(throws: StoreError.self) { try reader.rows(hook: Self.hooks[0], position: .last) }
        let confidence = try #require(try reader.confidence())
        let paris = (0..<4).map { FakeEngine.score(token: Int32(12 + $0), position: 10 + $0) }
        #expect(confidence["mean_logprob"]?[0] == paris.map(\.logprob).reduce(0, +) / 4)
        #expect(confidence["min_logprob"]?[0] == paris.map(\.logprob).min())
        #expect(confidence["mean_entropy"]?[0] == paris.map(\.entropy).reduce(0, +) / 4)
        #expect(confidence["mean_margin"]?[0] == paris.map(\.margin).reduce(0, +) / 4)

        request.position = .last
        request.outPath = dir.path("wrong.h5")
        #expect(throws: StoreError.self) { try CapturePipeline(engine: FakeEngine(), request: request).run() }
        #expect(!FileManager.default.fileExists(atPath: request.outPath))
    }

    @Test(
        "statement confidences come from teacher forcing over the text's own tokens; position all stores the per-token series",
        arguments: [CapturePosition.last, .all])
    func statementConfidence(position: CapturePosition) throws {
        let dir = try TemporaryDirectory()
        let csv = try Self.statements(dir, "facts.csv", count: 30)
        let engine = FakeEngine()
        var request = CaptureRequest(datasets: [csv], outPath: dir.path("c.h5"), hooks: Self.hooks, position: position)
        request.batchSize = 4
        request.chunkRows = 8
        _ = try CapturePipeline(engine: engine, request: request).run()
        let reader = try ActivationReader(path: request.outPath)
        let confidence = try #require(try reader.confidence())
        #expect(Set(confidence.keys) == Set(ConfidenceSummary.columns))
        let dataset = try Dataset.load(path: csv)
        for index in [0, 7, 29] {
            let prepared = try engine.prepare(statement: dataset.examples[index].text)
            let scores = prepared.textSpan.map { FakeEngine.score(token: prepared.tokens[$0], position: $0) }
            let mean = Float(scores.reduce(0.0) { $0 + Double($1.logprob) } / Double(scores.count))
            #expect(confidence["mean_logprob"]?[index] == mean)
            #expect(confidence["min_logprob"]?[index] == scores.map(\.logprob).min())
            if position == .all {
                let series = try #require(try reader.tokenConfidence(index..<(index + 1)))
                #expect(series["token_logprob"] == scores.map(\.logprob))
                #expect(series["token_margin"] == scores.map(\.margin))
            }
        }
        // --no-confidence: nothing under /confidence, and the readers say so with nil.
        request.confidence = false
        request.outPath = dir.path("none.h5")
        _ = try CapturePipeline(engine: engine, request: request).run()
        #expect(try ActivationReader(path: request.outPath).confidence() == nil)
        #expect(try ActivationReader(path: request.outPath).tokenConfidence() == nil)
    }
}
