import Foundation
import Testing
@testable import ActivationStore
#if canImport(Glibc)
    import Glibc
#endif

/// Hardening defect 1: `capture --overwrite` on a file another capture is writing used to truncate it (O_TRUNC came
/// before HDF5's lock), leaving the running capture's output empty.
@Suite struct ConcurrentWriterTests {
    static let header = StoreFixtures.header()

    /// A finished file of `rows` rows.
    static func finishedFile(_ path: String, rows: Int) throws {
        let writer = try ActivationWriter.create(path: path, header: header, hookWidths: StoreFixtures.widths)
        try writer.append(StoreFixtures.batch(0..<rows, header: header))
        try writer.close()
    }

    /// Holds `flock(mode)` on `path` through a descriptor of its own, as libhdf5 in another process does on a file
    /// it has open (LOCK_EX for a writer, LOCK_SH for a reader), and runs `body`.
    static func whileLocked(_ path: String, _ mode: Int32, _ body: () throws -> Void) throws {
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, mode | LOCK_NB) == 0)
        try body()
    }

    @Test(
        "--overwrite refuses a file another process is writing or reading, and leaves it intact",
        arguments: [LOCK_EX, LOCK_SH])
    func overwriteInUse(mode: Int32) throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("c.h5")
        try Self.finishedFile(path, rows: 10)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        try Self.whileLocked(path, mode) {
            #expect(throws: StoreError.fileInUse(path: path)) {
                _ = try ActivationWriter.create(
                    path: path, header: Self.header, hookWidths: StoreFixtures.widths,
                    options: .init(overwrite: true))
            }
        }
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == size)
        let reader = try ActivationReader(path: path)
        #expect(reader.count == 10)
        #expect(try reader.texts() == (0..<10).map { "statement \($0) — ü" })
        #expect(StoreError.fileInUse(path: path).description.contains("another process is writing"))
    }

    @Test("a second writer with overwrite cannot damage a running writer's output")
    func twoWriters() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("c.h5")
        let first = try ActivationWriter.create(path: path, header: Self.header, hookWidths: StoreFixtures.widths)
        try first.append(StoreFixtures.batch(0..<6, header: Self.header))
        try first.commit()
        #expect(throws: StoreError.fileInUse(path: path)) {
            _ = try ActivationWriter.create(
                path: path, header: Self.header, hookWidths: StoreFixtures.widths,
                options: .init(overwrite: true))
        }
        try first.append(StoreFixtures.batch(6..<12, header: Self.header))
        try first.close()
        let reader = try ActivationReader(path: path)
        #expect(reader.count == 12)
        #expect(
            try reader.rows(hook: StoreFixtures.hooks[0])
                == StoreFixtures.batch(0..<12, header: Self.header).activations[StoreFixtures.hooks[0]])
    }

    @Test("--overwrite refuses a file an open reader holds (libhdf5's shared lock)")
    func overwriteWhileRead() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("c.h5")
        try Self.finishedFile(path, rows: 4)
        let reader = try ActivationReader(path: path)
        #expect(throws: StoreError.fileInUse(path: path)) {
            _ = try ActivationWriter.create(
                path: path, header: Self.header, hookWidths: StoreFixtures.widths,
                options: .init(overwrite: true))
        }
        #expect(try reader.texts().count == 4)
    }

    @Test("--overwrite replaces a file nobody has open, and through a symbolic link replaces its target")
    func overwriteUnused() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("c.h5"), link = dir.path("link.h5")
        try Self.finishedFile(path, rows: 10)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        let writer = try ActivationWriter.create(
            path: link, header: Self.header, hookWidths: StoreFixtures.widths,
            options: .init(overwrite: true))
        try writer.append(StoreFixtures.batch(0..<3, header: Self.header))
        try writer.close()
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == path)
        #expect(try ActivationReader(path: path).count == 3)
    }
}
