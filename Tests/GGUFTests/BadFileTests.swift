// One hand-made corrupt file per failure mode (Fixtures/bad-*.gguf, from scripts/make_gguf_fixtures.py):
// each must give the right GGUFError naming the file and byte offset, with a hint; never a crash.
import Foundation
import Testing
@testable import GGUF

/// A corrupt fixture, the error case it must raise and the byte offset it must name.
struct BadFile: CustomTestStringConvertible, Sendable {
    let file: String
    let kind: String
    let offset: Int
    var extra: String? = nil
    var testDescription: String { file }
}

@Suite("Corrupt GGUF files give clear errors")
struct BadFileTests {
    static let cases: [BadFile] = [
        BadFile(file: "bad-magic.gguf", kind: "badMagic", offset: 0, extra: "'GGUF'"),
        BadFile(file: "bad-version.gguf", kind: "unsupportedVersion", offset: 4, extra: "version 4"),
        BadFile(file: "bad-big-endian.gguf", kind: "unsupportedVersion", offset: 4, extra: "big-endian"),
        BadFile(file: "bad-empty.gguf", kind: "truncated", offset: 0),
        BadFile(file: "bad-truncated-header.gguf", kind: "truncated", offset: 8, extra: "tensor count"),
        BadFile(file: "bad-truncated-string.gguf", kind: "truncated", offset: 32, extra: "need 40 bytes"),
        BadFile(file: "bad-truncated-value.gguf", kind: "truncated", offset: 53, extra: "llama.block_count"),
        BadFile(file: "bad-absurd-tensor-count.gguf", kind: "absurdCount", offset: 8, extra: "1099511627776"),
        BadFile(file: "bad-absurd-kv-count.gguf", kind: "absurdCount", offset: 16),
        BadFile(file: "bad-absurd-string-length.gguf", kind: "absurdCount", offset: 24),
        BadFile(file: "bad-absurd-array-length.gguf", kind: "absurdCount", offset: 41, extra: "array 'a'"),
        BadFile(file: "bad-unknown-value-type.gguf", kind: "unknownValueType", offset: 33, extra: "type 13"),
        BadFile(file: "bad-absurd-dimension-count.gguf", kind: "absurdCount", offset: 33, extra: "dimension count"),
        BadFile(file: "bad-overflowing-dimensions.gguf", kind: "badDimensions", offset: 33, extra: "overflows"),
        BadFile(file: "bad-negative-dimension.gguf", kind: "badDimensions", offset: 33, extra: "negative"),
        BadFile(file: "bad-block-dimension.gguf", kind: "badDimensions", offset: 33, extra: "block size 32"),
        BadFile(file: "bad-unknown-tensor-type.gguf", kind: "unknownTensorType", offset: 45, extra: "type 99"),
        BadFile(file: "bad-tensor-past-end.gguf", kind: "tensorOutOfBounds", offset: 128, extra: "4096 bytes"),
        BadFile(file: "bad-misaligned-offset.gguf", kind: "misalignedTensor", offset: 100, extra: "'v'"),
        BadFile(file: "bad-alignment.gguf", kind: "badAlignment", offset: 53, extra: "24"),
        BadFile(file: "bad-duplicate-tensor.gguf", kind: "duplicate", offset: 57, extra: "'w'"),
        BadFile(file: "bad-invalid-utf8.gguf", kind: "invalidUTF8", offset: 24),
    ]

    @Test("the fixture raises its error, naming the file, the offset and a hint", arguments: cases)
    func badFile(_ c: BadFile) throws {
        let path = TestPaths.fixtures.appendingPathComponent(c.file).path
        #expect(FileManager.default.fileExists(atPath: path))
        let error = #expect(throws: GGUFError.self) { _ = try GGUFFile(path: path) }
        guard let error else { return }
        let kind = String(describing: error).isEmpty ? "" : Self.caseName(error)
        #expect(kind == c.kind, "\(error)")
        #expect(error.offset == c.offset, "\(error)")
        #expect(error.description.hasPrefix(path + ": at byte offset \(c.offset): "), "\(error)")
        #expect(error.description.contains("Hint: "), "\(error)")
        if let extra = c.extra { #expect(error.description.contains(extra), "\(error)") }
    }

    @Test("every fixture on disk is covered by a case")
    func allCovered() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: TestPaths.fixtures.path)
            .filter { $0.hasPrefix("bad-") }
        #expect(Set(names) == Set(Self.cases.map(\.file)))
    }

    @Test("a missing file and a directory are reported, not crashed on")
    func notAFile() {
        let missing = #expect(throws: GGUFError.self) { _ = try GGUFFile(path: "/nonexistent/model.gguf") }
        #expect(missing?.description.contains("/nonexistent/model.gguf") == true)
        #expect(throws: GGUFError.self) { _ = try GGUFFile(path: TestPaths.fixtures.path) }
    }

    @Test("a named pipe as the model path is refused at once instead of blocking (hardening defect 16)")
    func namedPipe() throws {
        let path = TestPaths.temporaryFile("pipe.gguf")
        #expect(mkfifo(path, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let started = Date()
        let error = #expect(throws: GGUFError.self) { _ = try GGUFFile(path: path) }
        #expect(error?.description.contains("not a regular file") == true)
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test("every truncation and many random byte flips of a valid file throw or parse, never crash")
    func fuzz() throws {
        var w = GGUFWriter()
        w.set("general.architecture", "llama")
        w.set("toks", strings: ["a", "bb", "ccc"])
        w.set("nested", .array([.array([.int32(1)]), .array([.float32(2)])]))
        try w.addTensor(name: "x", dimensions: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8])
        try w.addTensor(name: "y", dimensions: [3], values: [1, 2, 3], type: .f16)
        let good = try w.encoded()
        let path = TestPaths.temporaryFile("fuzz.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        func attempt(_ bytes: [UInt8]) -> Bool {
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            guard let f = try? GGUFFile(path: path) else { return false }
            for t in f.tensors { _ = try? f.dequantize(t) }
            return true
        }
        #expect(attempt(good))
        let lastTensorEnd = good.count - 26  // F16 "y" (6 bytes) then 26 bytes of padding
        for n in 0..<lastTensorEnd { #expect(!attempt(Array(good[0..<n])), "prefix \(n) parsed") }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            _ = attempt(bytes)
        }
    }

    static func caseName(_ e: GGUFError) -> String {
        let mirror = Mirror(reflecting: e)
        return mirror.children.first?.label ?? String(describing: e)
    }
}

@Suite("Corrupt metadata values built in memory")
struct BadValueTests {
    /// A GGUF v3 header with no tensors and one key-value pair whose type and payload are `payload`.
    static func file(key: String, payload: [UInt8]) -> [UInt8] {
        var b = Array("GGUF".utf8)
        GGUFWriter.append(UInt32(3), to: &b)
        GGUFWriter.append(UInt64(0), to: &b)
        GGUFWriter.append(UInt64(1), to: &b)
        GGUFWriter.appendString(key, to: &b)
        return b + payload
    }

    static func open(_ bytes: [UInt8]) throws -> GGUFFile {
        let path = TestPaths.temporaryFile("value.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return try GGUFFile(path: path)
    }

    @Test("arrays nested 9 deep are refused; 8 deep are read")
    func nesting() throws {
        func nested(_ depth: Int) -> [UInt8] {
            // depth arrays, each holding one array, the innermost holding one uint8.
            var p: [UInt8] = []
            GGUFWriter.append(UInt32(9), to: &p)  // the value's type: array
            for level in 0..<depth {
                GGUFWriter.append(UInt32(level == depth - 1 ? 0 : 9), to: &p)
                GGUFWriter.append(UInt64(1), to: &p)
            }
            return p + [7]
        }
        let ok = try Self.open(Self.file(key: "deep", payload: nested(8)))
        var v = try #require(ok.metadata["deep"])
        for _ in 0..<8 { v = try #require(v.arrayValue?.first) }
        #expect(v == .uint8(7))
        let error = #expect(throws: GGUFError.self) { _ = try Self.open(Self.file(key: "deep", payload: nested(10))) }
        #expect(error.map(BadFileTests.caseName) == "nestingTooDeep")
    }

    @Test("a bool byte other than 0 or 1 is an error naming the key")
    func badBool() {
        let error = #expect(throws: GGUFError.self) {
            _ = try Self.open(Self.file(key: "flag", payload: [7, 0, 0, 0, 2]))
        }
        #expect(error?.description.contains("'flag'") == true)
    }

    @Test("a uint64 count that is not absurd but exceeds what is left is reported as truncation")
    func truncatedArray() {
        var p: [UInt8] = []
        GGUFWriter.append(UInt32(9), to: &p)
        GGUFWriter.append(UInt32(4), to: &p)  // uint32 elements
        GGUFWriter.append(UInt64(10), to: &p)  // 10 of them = 40 bytes; 8 present
        let error = #expect(throws: GGUFError.self) {
            _ = try Self.open(Self.file(key: "a", payload: p + [UInt8](repeating: 0, count: 8)))
        }
        #expect(error.map(BadFileTests.caseName) == "truncated")
    }
}
