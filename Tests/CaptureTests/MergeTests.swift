import Foundation
import Hooks
import Testing
import ActivationStore
@testable import Capture

@Suite("Merge shards") struct MergeTests {
    static let hooks = CapturePipelineTests.hooks

    /// Captures the whole request into `whole.h5` and its N shards into `shards/s<K>.h5`.
    static func capture(
        _ dir: TemporaryDirectory, count: Int, position: CapturePosition = .last,
        questions: Bool = false
    ) throws -> (whole: CaptureRequest, shards: [String]) {
        var whole: CaptureRequest
        if questions {
            let jsonl = try dir.write(
                "qa.jsonl",
                """
                {"id": "q1", "question": "Capital of France?", "answers": ["Paris"], "template": 2}
                {"id": "q2", "question": "Capital of Peru?", "answers": ["Lima"]}
                {"id": "q3", "question": "Capital of France, again?", "answers": ["Paris"]}
                {"id": "q4", "question": "Capital of Chad?", "answers": ["N'Djamena"], "topic": "africa"}
                """)
            whole = CaptureRequest(datasets: [jsonl], outPath: dir.path("whole.h5"), hooks: hooks, position: .answer)
        } else {
            whole = try ShardCaptureTests.request(dir, out: "whole.h5", position: position)
        }
        _ = try CapturePipeline(engine: FakeEngine(), request: whole).run()
        try FileManager.default.createDirectory(atPath: dir.path("shards"), withIntermediateDirectories: true)
        var paths: [String] = []
        for index in 0..<count {
            var request = whole
            request.outPath = dir.path("shards/s\(index).h5")
            request.shard = ShardSpec(index: index, count: count)
            _ = try CapturePipeline(engine: FakeEngine(), request: request).run()
            paths.append(request.outPath)
        }
        return (whole, paths)
    }

    /// Every array a reader sees is equal.
    static func expectSameRows(_ a: ActivationReader, _ b: ActivationReader) throws {
        #expect(a.count == b.count && a.header.hooks == b.header.hooks && a.metaColumns == b.metaColumns)
        #expect(try a.texts() == b.texts() && a.labels() == b.labels() && a.sources() == b.sources())
        #expect(try a.nTokens() == b.nTokens() && a.answers() == b.answers() && a.tokenRanges() == b.tokenRanges())
        for column in a.metaColumns { #expect(try a.meta(column) == b.meta(column)) }
        for hook in a.header.hooks { #expect(try a.rows(hook: hook) == b.rows(hook: hook)) }
        #expect(a.positions == b.positions)
        for name in b.positions {
            for hook in b.header.hooks {
                #expect(try a.rows(hook: hook, position: name) == b.rows(hook: hook, position: name))
            }
        }
    }

    @Test(
        "virtual and copy merges read like the single-process capture (shards given in any order)",
        arguments: [(4, CapturePosition.last), (3, .all), (2, .mean)])
    func mergedEqualsWhole(count: Int, position: CapturePosition) throws {
        let dir = try TemporaryDirectory()
        let (whole, shards) = try Self.capture(dir, count: count, position: position)
        let full = try ActivationReader(path: whole.outPath)
        for mode in [StoreMerger.Mode.virtual, .copy] {
            let out = dir.path("merged-\(mode).h5")
            // A tiny block budget in the copy makes it go one example (or one row) per block.
            let summary = try StoreMerger.merge(
                shards: shards.reversed(), out: out, mode: mode, blockBytes: mode == .copy ? 40 : 1 << 20)
            #expect(summary.rows == 30 && summary.shards == count)
            let merged = try ActivationReader(path: out)
            try Self.expectSameRows(merged, full)
            #expect(merged.shard == nil && merged.mergedFrom == (0..<count).map { "shards/s\($0).h5" })
            let info = try StoreSummary.read(path: out)
            #expect(
                info.mergeMode == mode.rawValue
                    && info.mergedShards?.map(\.rows) == shards.map { try! ActivationReader(path: $0).count })
            #expect(info.hooks.allSatisfy { ($0.layout == "virtual") == (mode == .virtual) })
            #expect(info.text.contains("merged:    \(count) shards (\(mode.rawValue))"))
        }
    }

    @Test("a virtual merge keeps working when its folder moves; a copy works without the shards")
    func relocation() throws {
        let dir = try TemporaryDirectory()
        let (whole, shards) = try Self.capture(dir, count: 3)
        _ = try StoreMerger.merge(shards: shards, out: dir.path("v.h5"), mode: .virtual)
        _ = try StoreMerger.merge(shards: shards, out: dir.path("c.h5"), mode: .copy)
        let moved = try TemporaryDirectory()
        try FileManager.default.moveItem(atPath: dir.path("shards"), toPath: moved.path("shards"))
        try FileManager.default.moveItem(atPath: dir.path("v.h5"), toPath: moved.path("v.h5"))
        let full = try ActivationReader(path: whole.outPath)
        try Self.expectSameRows(try ActivationReader(path: moved.path("v.h5")), full)
        try Self.expectSameRows(try ActivationReader(path: dir.path("c.h5")), full)
        #expect(try StoreSummary.read(path: dir.path("c.h5")).mergedShards?.allSatisfy { !$0.present } == true)

        // Without its shards a virtual merge would read zeros (libhdf5's fill value): refused, naming the shard.
        try FileManager.default.removeItem(atPath: moved.path("shards/s1.h5"))
        #expect { try ActivationReader(path: moved.path("v.h5")) } throws: { error in
            guard case let StoreError.missingObject(_, object) = error else { return false }
            return object.contains("shards/s1.h5")
        }
        let info = try StoreSummary.read(path: moved.path("v.h5"))
        #expect(info.mergedShards?.map(\.present) == [true, false, true] && info.text.contains("MISSING"))
    }

    @Test(
        "answer captures merge: meta columns that only some shards have are filled with \"\" as in one run; empty shards merge",
        arguments: [2, 6])
    func answers(count: Int) throws {
        let dir = try TemporaryDirectory()
        let (whole, shards) = try Self.capture(dir, count: count, questions: true)
        #expect(try ActivationReader(path: shards[count - 1]).metaColumns.contains("template") == false)
        #expect(try shards.map { try ActivationReader(path: $0).count }.contains(0) == (count > 4))
        #expect(
            try ActivationReader(path: whole.outPath).positions.map(\.rawValue)
                == StoreSchema.answerPositions.map(\.rawValue).sorted())
        for mode in [StoreMerger.Mode.virtual, .copy] {
            _ = try StoreMerger.merge(shards: shards, out: dir.path("m.h5"), mode: mode, overwrite: true)
            try Self.expectSameRows(
                try ActivationReader(path: dir.path("m.h5")), try ActivationReader(path: whole.outPath))
        }
    }

    /// Expects `mergeRefused` naming `file` with a reason containing `phrase`, and no output left behind.
    static func expectRefusal(_ shards: [String], out: String, file: String, _ phrase: String) {
        #expect { try StoreMerger.merge(shards: shards, out: out, mode: .virtual) } throws: { error in
            guard case let StoreError.mergeRefused(path, reason) = error else { return false }
            return path == file && reason.contains(phrase) && "\(error)".contains(file)
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test(
        "refused, naming the file: missing, duplicated, unfinished, foreign shards; another model, hooks, position, template"
    )
    func refusals() throws {
        let dir = try TemporaryDirectory()
        let (whole, shards) = try Self.capture(dir, count: 3)
        let out = dir.path("m.h5")
        Self.expectRefusal([shards[0], shards[2]], out: out, file: shards[0], "1/3 of the same capture is missing")
        Self.expectRefusal([shards[0], shards[1], shards[2], shards[1]], out: out, file: shards[1], "given twice")
        Self.expectRefusal(shards + [whole.outPath], out: out, file: whole.outPath, "not a shard file")

        func variant(_ name: String, _ change: (inout CaptureRequest, FakeEngine) -> Void) throws -> String {
            var request = whole
            request.outPath = dir.path(name)
            request.shard = ShardSpec(index: 1, count: 3)
            let engine = FakeEngine()
            change(&request, engine)
            _ = try? CapturePipeline(engine: engine, request: request).run()
            return request.outPath
        }
        let cut = try variant("cut.h5") { _, engine in engine.failAfterPasses = 1 }
        Self.expectRefusal([shards[0], cut, shards[2]], out: out, file: cut, "unfinished")
        let model = try variant("model.h5") { _, engine in engine.modelInfo.sha256 = "beef" }
        Self.expectRefusal([shards[0], model, shards[2]], out: out, file: model, "model sha256")
        let hooks = try variant("hooks.h5") { request, _ in request.hooks = [Self.hooks[0]] }
        Self.expectRefusal([shards[0], hooks, shards[2]], out: out, file: hooks, "hook set")
        let position = try variant("position.h5") { request, _ in request.position = .mean }
        Self.expectRefusal([shards[0], position, shards[2]], out: out, file: position, "position")
        let template = try variant("template.h5") { _, engine in engine.promptTemplate = "chatml" }
        Self.expectRefusal([shards[0], template, shards[2]], out: out, file: template, "prompt template")
        let limit = try variant("limit.h5") { request, _ in request.limit = 14 }
        Self.expectRefusal([shards[0], limit, shards[2]], out: out, file: limit, "same datasets, --limit and N")
        let count = try variant("count.h5") { request, _ in request.shard = ShardSpec(index: 1, count: 4) }
        Self.expectRefusal([shards[0], count, shards[2]], out: out, file: count, "shard 1/4")

        _ = try StoreMerger.merge(shards: shards, out: out, mode: .virtual)
        #expect(throws: StoreError.fileExists(path: out)) {
            try StoreMerger.merge(shards: shards, out: out, mode: .copy)
        }
        Self.expectRefusal([out], out: dir.path("again.h5"), file: out, "already a merged file")
    }
}
