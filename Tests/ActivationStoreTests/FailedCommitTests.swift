import Foundation
import Testing
@testable import ActivationStore

/// Hardening defect 2: a commit that cannot be written (a full disk) must leave the last good commit readable and
/// resumable; `committed_rows` used to be raised before the rows were on disk.
@Suite struct FailedCommitTests {
    static let header = StoreFixtures.header()
    static let diskFull = StoreError.hdf5(
        operation: "flush file", file: "x", object: "/",
        message: "H5FD__sec2_write: file write failed: errno = 28, error message = 'No space left on device'")

    static func writer(_ path: String) throws -> ActivationWriter {
        try ActivationWriter.create(
            path: path, header: header, hookWidths: StoreFixtures.widths,
            options: .init(chunkRows: 4))
    }

    @Test("a failed flush keeps the last commit, says the disk is full and where --resume continues")
    func failedFlush() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("c.h5")
        let writer = try Self.writer(path)
        try writer.append(StoreFixtures.batch(0..<4, header: Self.header))
        #expect(writer.committedRows == 4)
        writer.injectedFlushFailure = Self.diskFull
        let expected = StoreError.commitFailed(
            path: path, committedRows: 4, rows: 4,
            reason: "the disk is full (No space left on device)", diskFull: true)
        #expect(throws: expected) { try writer.append(StoreFixtures.batch(4..<8, header: Self.header)) }
        #expect(expected.description.contains("--resume to continue from row 4"))
        #expect(writer.committedRows == 4)
        // The writer refuses further work instead of committing around the hole.
        writer.injectedFlushFailure = nil
        #expect(throws: expected) { try writer.append(StoreFixtures.batch(8..<12, header: Self.header)) }
        #expect(throws: expected) { try writer.close() }

        let reader = try ActivationReader(path: path)
        #expect(reader.count == 4)
        #expect(try reader.texts() == (0..<4).map { "statement \($0) — ü" })
    }

    @Test("--resume after a failed commit continues from the last commit and matches an uninterrupted file")
    func resumeAfterFailure() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("c.h5"), reference = dir.path("ref.h5")
        do {
            let writer = try Self.writer(path)
            try writer.append(StoreFixtures.batch(0..<4, header: Self.header))
            writer.injectedFlushFailure = Self.diskFull
            #expect(throws: StoreError.self) { try writer.append(StoreFixtures.batch(4..<8, header: Self.header)) }
        }
        let resumed = try ActivationWriter.resume(path: path, header: Self.header, hookWidths: StoreFixtures.widths)
        #expect(resumed.committedRows == 4)
        try resumed.append(StoreFixtures.batch(4..<10, header: Self.header))
        try resumed.close()
        let whole = try Self.writer(reference)
        try whole.append(StoreFixtures.batch(0..<10, header: Self.header))
        try whole.close()
        let a = try ActivationReader(path: path), b = try ActivationReader(path: reference)
        #expect(a.count == 10)
        #expect(try a.texts() == b.texts())
        for hook in StoreFixtures.hooks { #expect(try a.rows(hook: hook) == b.rows(hook: hook)) }
    }

    @Test("the space reserved for a commit covers what the commit writes")
    func reservationCoversCommit() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("c.h5")
        let writer = try ActivationWriter.create(
            path: path, header: Self.header, hookWidths: StoreFixtures.widths,
            options: .init(compression: .none, chunkRows: 64))
        let before = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let batch = StoreFixtures.batch(0..<64, header: Self.header)
        try writer.append(batch)
        try writer.close()
        let after = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(UInt64(after - before) <= ActivationWriter.bytesNeeded(for: batch))
    }
}
