import Foundation
import Hooks
import Testing
import ActivationStore
@testable import Capture

@Suite("Sharded capture") struct ShardCaptureTests {
    static let hooks = CapturePipelineTests.hooks

    /// Two statement files (23 + 18 rows, the second cut to 15 by --limit): B = 38 rows.
    static func request(_ dir: TemporaryDirectory, out: String, position: CapturePosition = .last) throws
        -> CaptureRequest
    {
        let a = try CapturePipelineTests.statements(dir, "a.csv", count: 23)
        let b = try CapturePipelineTests.statements(dir, "b.csv", count: 18, offset: 100)
        var request = CaptureRequest(datasets: [a, b], outPath: dir.path(out), hooks: hooks, position: position)
        request.batchSize = 3
        request.limit = 15
        request.chunkRows = 8
        return request
    }

    @Test(
        "shards K/N hold rows floor(K·B/N)..<floor((K+1)·B/N); concatenated they equal the single capture",
        arguments: [(4, CapturePosition.last), (3, .all), (5, .mean)])
    func shardsConcatenateToTheWholeCapture(count: Int, position: CapturePosition) throws {
        let dir = try TemporaryDirectory()
        let whole = try Self.request(dir, out: "whole.h5", position: position)
        _ = try CapturePipeline(engine: FakeEngine(), request: whole).run()
        let full = try ActivationReader(path: whole.outPath)
        #expect(full.count == 30 && full.shard == nil)

        var texts: [String] = [], labels: [Int8] = [], sources: [String] = [], country: [String] = []
        var rows: [HookName: [Float]] = [:]
        for index in 0..<count {
            var request = whole
            request.outPath = dir.path("s\(index).h5")
            request.shard = ShardSpec(index: index, count: count)
            let summary = try CapturePipeline(engine: FakeEngine(), request: request).run()
            let reader = try ActivationReader(path: request.outPath)
            let expected = (index * 30 / count)..<((index + 1) * 30 / count)
            #expect(reader.shard == (try StoreShard(index: index, count: count, totalRows: 30)))
            #expect(reader.shard?.firstRow == expected.lowerBound && reader.count == expected.count)
            #expect(reader.shardFinished)
            #expect(summary.shard == reader.shard?.description && summary.text.contains("shard \(index)/\(count)"))
            texts += try reader.texts()
            labels += try reader.labels()
            sources += try reader.sources()
            country += try reader.meta("country") ?? []
            for hook in Self.hooks { rows[hook, default: []] += try reader.rows(hook: hook) }
        }
        #expect(texts == (try full.texts()))
        #expect(try labels == full.labels() && sources == full.sources() && country == full.meta("country"))
        for hook in Self.hooks { #expect(rows[hook] == (try full.rows(hook: hook))) }
    }

    @Test("a killed shard is unfinished; --resume completes it to the same rows, and refuses another shard")
    func resumeAfterKill() throws {
        let dir = try TemporaryDirectory()
        var request = try Self.request(dir, out: "ref.h5")
        request.shard = ShardSpec(index: 1, count: 2)
        _ = try CapturePipeline(engine: FakeEngine(), request: request).run()

        request.outPath = dir.path("cut.h5")
        let failing = FakeEngine()
        failing.failAfterPasses = 4
        #expect(throws: StoreError.self) { try CapturePipeline(engine: failing, request: request).run() }
        let committed: Int
        do {
            let cut = try ActivationReader(path: request.outPath)
            #expect(!cut.shardFinished && cut.count < 15 && cut.shard?.index == 1)
            committed = cut.count
        }

        var other = request
        other.resume = true
        other.shard = ShardSpec(index: 0, count: 2)
        #expect { try CapturePipeline(engine: FakeEngine(), request: other).run() } throws: { error in
            if case let StoreError.incompatibleResume(_, field, _, _) = error { return field == "shard" }
            return false
        }
        other.shard = nil
        #expect(throws: StoreError.self) { try CapturePipeline(engine: FakeEngine(), request: other).run() }

        request.resume = true
        let summary = try CapturePipeline(engine: FakeEngine(), request: request).run()
        #expect(summary.resumedFrom == committed && summary.totalExamples == 15)
        let done = try ActivationReader(path: request.outPath), ref = try ActivationReader(path: dir.path("ref.h5"))
        #expect(done.shardFinished && done.count == 15)
        #expect(try done.texts() == ref.texts())
        for hook in Self.hooks { #expect(try done.rows(hook: hook) == ref.rows(hook: hook)) }
    }

    @Test("answer captures shard too; more shards than rows gives empty, finished shards")
    func answerShards() throws {
        let dir = try TemporaryDirectory()
        let jsonl = try dir.write(
            "qa.jsonl",
            """
            {"id": "q1", "question": "Capital of France?", "answers": ["Paris"]}
            {"id": "q2", "question": "Capital of Peru?", "answers": ["Lima"]}
            {"id": "q3", "question": "Capital of Chad?", "answers": ["N'Djamena"]}
            """)
        var ids: [String] = []
        for index in 0..<5 {
            var request = CaptureRequest(
                datasets: [jsonl], outPath: dir.path("q\(index).h5"), hooks: Self.hooks, position: .answer)
            request.shard = ShardSpec(index: index, count: 5)
            _ = try CapturePipeline(engine: FakeEngine(), request: request).run()
            let reader = try ActivationReader(path: request.outPath)
            #expect(reader.shardFinished && reader.count == (index + 1) * 3 / 5 - index * 3 / 5)
            ids += try reader.meta("id") ?? []
        }
        #expect(ids == ["q1", "q2", "q3"])
    }

    @Test("--shard parsing: K/N with 0 <= K < N, clear errors otherwise")
    func parsing() throws {
        #expect(try ShardSpec(parsing: "2/4") == ShardSpec(index: 2, count: 4))
        for bad in ["4/4", "-1/3", "a/b", "3", "1/0", "1/2/3"] {
            #expect(throws: StoreError.self) { try ShardSpec(parsing: bad) }
        }
    }
}
