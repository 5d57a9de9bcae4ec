// Hardening defect 4: a GGUF truncated or rewritten in place under a running server used to crash it (SIGBUS on the
// next read of the mapping). `changeSinceOpened()` tells before the next use; a rename over the path is harmless.
import Foundation
import Testing
@testable import GGUF
#if canImport(Glibc)
    import Glibc
#endif

@Suite("A mapped GGUF file changed under its reader")
struct FileChangeTests {
    static func write(_ path: String, value: Float) throws {
        var w = GGUFWriter()
        w.set("general.architecture", "llama")
        try w.addTensor(name: "t", dimensions: [256, 64], values: Array(repeating: value, count: 256 * 64))
        try w.write(to: path)
    }

    @Test("an untouched file, and one replaced by a rename, read as they were loaded")
    func renameIsSafe() throws {
        let path = TestPaths.temporaryFile("model.gguf"), other = TestPaths.temporaryFile("new.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.write(path, value: 1)
        let file = try GGUFFile(path: path)
        #expect(file.changeSinceOpened() == nil)
        try Self.write(other, value: 2)
        #expect(rename(other, path) == 0)  // `mv new.gguf model.gguf`
        #expect(file.changeSinceOpened() == nil)
        let tensor = try #require(file.tensor(named: "t"))
        #expect(try file.dequantize(tensor).allSatisfy { $0 == 1 })  // still the old, intact mapping
    }

    @Test("truncating the file in place is detected before its mapping is read")
    func truncated() throws {
        let path = TestPaths.temporaryFile("model.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.write(path, value: 1)
        let file = try GGUFFile(path: path)
        #expect(truncate(path, 100) == 0)
        let change = try #require(file.changeSinceOpened())
        #expect(change.contains("truncated"), "\(change)")
    }

    @Test("copying another file over it (same size, new contents) is detected")
    func rewritten() throws {
        let path = TestPaths.temporaryFile("model.gguf"), other = TestPaths.temporaryFile("new.gguf")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: other) }
        try Self.write(path, value: 1)
        let file = try GGUFFile(path: path)
        try Self.write(other, value: 2)
        usleep(20_000)  // a later modification time, whatever the file system's granularity
        let bytes = try Data(contentsOf: URL(fileURLWithPath: other))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))  // `cp new.gguf model.gguf`
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: bytes)
        try handle.close()
        let change = try #require(file.changeSinceOpened())
        #expect(change.contains("rewritten") || change.contains("truncated"), "\(change)")
    }
}
