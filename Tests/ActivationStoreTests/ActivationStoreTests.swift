import Foundation
import Testing
import Hooks
@testable import ActivationStore

@Suite("Activation writer and reader") struct ActivationStoreTests {
    @Test("batches written through the writer read back exactly, with meta columns back-filled")
    func roundTrip() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("acts.h5")
        let header = StoreFixtures.header()
        let writer = try ActivationWriter.create(
            path: path, header: header, hookWidths: StoreFixtures.widths,
            options: .init(chunkRows: 4))
        try writer.append(StoreFixtures.batch(0..<3, header: header))
        try writer.append(StoreFixtures.batch(3..<10, header: header))
        #expect(writer.committedRows == 8 && writer.pendingRows == 2)  // whole chunks of 4 only
        try writer.append(StoreFixtures.batch(10..<11, header: header))
        try writer.append(StoreFixtures.batch(11..<20, header: header))
        #expect(writer.committedRows == 20 && writer.pendingRows == 0)
        try writer.close()

        let reader = try ActivationReader(path: path)
        let expected = StoreFixtures.batch(0..<20, header: header)
        #expect(reader.header == header)
        #expect(reader.count == 20)
        #expect(try reader.texts() == expected.examples.map(\.text))
        #expect(try reader.labels() == expected.examples.map(\.label))
        #expect(try reader.sources(8..<10) == ["b", "b"])
        #expect(try reader.nTokens(0..<2) == [3, 4])
        #expect(reader.metaColumns == ["country", "group"])
        #expect(try reader.meta("country")?.prefix(6) == ["", "", "", "", "", "C5"])
        #expect(try reader.answers()?[3] == "answer 3" && (try reader.answers()?[4]) == "")
        for hook in header.hooks {
            #expect(try reader.rows(hook: hook) == expected.activations[hook])
            let width = try reader.width(of: hook)
            #expect(width == (StoreFixtures.widths[hook] ?? 4))
            #expect(
                try reader.rows(hook: hook, examples: 5..<7)
                    == Array(expected.activations[hook]![(5 * width)..<(7 * width)]))
        }
        #expect(throws: StoreError.self) { try reader.rows(hook: header.hooks[0], examples: 19..<21) }
        #expect(throws: StoreError.self) { try reader.rows(hook: .residPost(9)) }
    }

    @Test("position all stores token rows and offsets")
    func positionAll() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("all.h5")
        let header = StoreFixtures.header(position: .all, hooks: [.residPost(0)])
        let writer = try ActivationWriter.create(path: path, header: header, options: .init(chunkRows: 2))
        try writer.append(StoreFixtures.batch(0..<4, header: header, tokens: true))
        try writer.append(StoreFixtures.batch(4..<7, header: header, tokens: true))
        try writer.close()
        let reader = try ActivationReader(path: path)
        let expected = StoreFixtures.batch(0..<7, header: header, tokens: true)
        #expect(try reader.tokenRanges() == [0..<1, 1..<3, 3..<6, 6..<7, 7..<9, 9..<12, 12..<13])
        #expect(try reader.rows(hook: header.hooks[0]) == expected.activations[header.hooks[0]])
        #expect(try reader.rows(hook: header.hooks[0], examples: 2..<3).count == 3 * 4)
    }

    @Test("rows beyond committed_rows are invisible, and resume truncates them and continues identically")
    func resumeAfterInterruption() throws {
        let dir = try TemporaryDirectory()
        let header = StoreFixtures.header()
        let reference = dir.path("reference.h5"), interrupted = dir.path("interrupted.h5")
        let full = try ActivationWriter.create(
            path: reference, header: header, hookWidths: StoreFixtures.widths,
            options: .init(chunkRows: 4))
        try full.append(StoreFixtures.batch(0..<13, header: header))
        try full.close()

        do {  // an interrupted run: 8 rows committed, then a half-written batch (activations only)
            let writer = try ActivationWriter.create(
                path: interrupted, header: header, hookWidths: StoreFixtures.widths,
                options: .init(chunkRows: 4))
            try writer.append(StoreFixtures.batch(0..<9, header: header))
            #expect(writer.committedRows == 8)
            let dataset = try writer.file.openDataset(StoreSchema.activations(header.hooks[0]))
            try dataset.append([Float](repeating: 9, count: 3 * 4), rowCount: 3)
            try writer.file.openDataset(StoreSchema.text).appendStrings(["torn"])
            try writer.file.flush()
        }
        #expect(try ActivationReader(path: interrupted).count == 8)
        let resumed = try ActivationWriter.resume(path: interrupted, header: header, hookWidths: StoreFixtures.widths)
        #expect(resumed.committedRows == 8)
        try resumed.append(StoreFixtures.batch(8..<13, header: header))
        try resumed.close()

        let a = try ActivationReader(path: reference), b = try ActivationReader(path: interrupted)
        #expect(a.count == b.count)
        #expect(try a.texts() == b.texts())
        #expect(try a.meta("country") == b.meta("country"))
        for hook in header.hooks { #expect(try a.rows(hook: hook) == b.rows(hook: hook)) }
    }

    @Test(
        "resume refuses another model, hook set or position and says which",
        arguments: [
            ("model sha256", StoreFixtures.header(sha: "other")),
            ("hook set", StoreFixtures.header(hooks: [.residPost(0)])),
            ("position", StoreFixtures.header(position: .mean)),
        ])
    func resumeConflicts(field: String, requested: StoreHeader) throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("c.h5")
        try ActivationWriter.create(path: path, header: StoreFixtures.header(), hookWidths: StoreFixtures.widths)
            .close()
        #expect {
            _ = try ActivationWriter.resume(path: path, header: requested, hookWidths: StoreFixtures.widths)
        } throws: { error in
            guard case let StoreError.incompatibleResume(_, found, _, _) = error else { return false }
            return found == field && "\(error)".contains("cannot resume")
        }
    }

    @Test("an existing file is never overwritten without the overwrite option")
    func overwrite() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("keep.h5", "precious")
        #expect(throws: StoreError.fileExists(path: path)) {
            try ActivationWriter.create(path: path, header: StoreFixtures.header())
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious")
        try ActivationWriter.create(path: path, header: StoreFixtures.header(), options: .init(overwrite: true)).close()
        #expect(try ActivationReader(path: path).count == 0)
    }

    @Test("the reader rejects foreign, newer and incomplete files with clear errors")
    func readerErrors() throws {
        let dir = try TemporaryDirectory()
        let foreign = dir.path("foreign.h5")
        do {
            let file = try H5File.create(path: foreign, overwrite: false)
            try file.setAttribute("format", string: "something.else")
        }
        #expect(throws: StoreError.wrongFormat(path: foreign, found: "\"something.else\"")) {
            try ActivationReader(path: foreign)
        }
        let newer = dir.path("newer.h5")
        try ActivationWriter.create(path: newer, header: StoreFixtures.header(), hookWidths: StoreFixtures.widths)
            .close()
        try H5File.open(path: newer, writable: true).setAttribute("format_version", int: 2)
        #expect(throws: StoreError.unsupportedVersion(path: newer, found: 2, supported: 1)) {
            try ActivationReader(path: newer)
        }
        let incomplete = dir.path("incomplete.h5")
        do {
            let file = try H5File.create(path: incomplete, overwrite: false)
            try StoreFixtures.header().write(to: file)
        }
        #expect(throws: StoreError.missingObject(path: incomplete, object: StoreSchema.text)) {
            try ActivationReader(path: incomplete)
        }
    }
}
