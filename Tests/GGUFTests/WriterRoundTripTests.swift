// GGUFWriter → GGUFFile round trips: every metadata type, nested arrays, tensor types, alignment, v2.
import Foundation
import Testing
@testable import GGUF

@Suite("Writing and re-reading GGUF files")
struct WriterRoundTripTests {
    static let allTypes: [(String, GGUFValue)] = [
        ("t.u8", .uint8(200)), ("t.i8", .int8(-100)), ("t.u16", .uint16(60000)), ("t.i16", .int16(-30000)),
        ("t.u32", .uint32(4_000_000_000)), ("t.i32", .int32(-2_000_000_000)),
        ("t.u64", .uint64(UInt64.max)), ("t.i64", .int64(Int64.min)),
        ("t.f32", .float32(-1.5e-7)), ("t.f64", .float64(3.141592653589793)),
        ("t.bool", .bool(true)), ("t.str", .string("héllo ✓ 中文")), ("t.empty", .string("")),
        ("t.strs", .array([.string("a"), .string(""), .string("Ġthe")])),
        ("t.nested", .array([.array([.int32(1), .int32(2)]), .array([.string("x")]), .array([])])),
        ("t.emptyarr", .array([])),
    ]

    /// Hardening defect 16: a metadata array cost ~40 bytes per element once parsed (20 MB → 800 MB of RSS).
    @Test("arrays of every scalar type and of strings round-trip and are held as their encoded bytes")
    func packedArrays() throws {
        let n = 1_000_000
        let arrays: [(String, GGUFValue, Int)] = [
            ("a.u8", .array((0..<n).map { .uint8(UInt8($0 % 251)) }), n),
            ("a.i16", .array((0..<1000).map { .int16(Int16($0) - 500) }), 2000),
            ("a.i32", .array((0..<n).map { .int32(Int32($0) - 7) }), 4 * n),
            ("a.f32", .array((0..<1000).map { .float32(Float($0) / 3) }), 4000),
            ("a.u64", .array([.uint64(.max), .uint64(0)]), 16), ("a.i8", .array([.int8(-128)]), 1),
            ("a.u16", .array([.uint16(65535)]), 2), ("a.u32", .array([.uint32(.max)]), 4),
            ("a.i64", .array([.int64(.min)]), 8),
            ("a.f64", .array([.float64(-0.25)]), 8), ("a.bool", .array([.bool(true), .bool(false)]), 2),
            (
                "a.str", .array((0..<1000).map { .string("tok\($0)") }),
                (0..<1000).reduce(0) { $0 + "tok\($1)".utf8.count }
            ),
        ]
        var w = GGUFWriter(version: 3)
        for (k, v, _) in arrays { w.set(k, v) }
        let path = TestPaths.temporaryFile("arrays.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try w.write(to: path)
        let f = try GGUFFile(path: path)
        for (k, v, bytes) in arrays {
            guard case .packed(let packed)? = f.metadata[k] else { Issue.record("\(k) is not packed"); continue }
            #expect(packed.bytes.count == bytes, "\(k)")
            #expect(f.metadata[k] == v, "\(k)")
        }
        #expect(try f.ints("a.i32").prefix(3) == [-7, -6, -5])
        #expect(try f.strings("a.str").last == "tok999")
        #expect(f.metadata["a.u8"]?.displayString() == "array[1000000] of uint8")
        // Written again from the packed values, the file is the same.
        var again = GGUFWriter(version: 3)
        for (k, _, _) in arrays { again.set(k, try #require(f.metadata[k])) }
        let copy = TestPaths.temporaryFile("arrays-again.gguf")
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try again.write(to: copy)
        #expect(FileManager.default.contents(atPath: copy) == FileManager.default.contents(atPath: path))
    }

    @Test("every metadata value type survives a round trip, in order", arguments: [UInt32(2), 3])
    func metadata(version: UInt32) throws {
        var w = GGUFWriter(version: version)
        for (k, v) in Self.allTypes { w.set(k, v) }
        let path = TestPaths.temporaryFile("meta.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try w.write(to: path)
        let f = try GGUFFile(path: path)
        #expect(f.version == version)
        #expect(f.metadataKeys == Self.allTypes.map(\.0))
        for (k, v) in Self.allTypes { #expect(f.metadata[k] == v, "\(k)") }
        #expect(f.tensors.isEmpty)
        #expect(try f.int("t.i64") == Int(Int64.min))
        #expect(throws: GGUFError.self) { try f.int("t.u64") }  // does not fit in Int
        #expect(try f.float("t.f64") == Float(3.141592653589793))
        #expect(try f.bool("t.bool"))
        #expect(try f.strings("t.strs") == ["a", "", "Ġthe"])
        #expect(throws: GGUFError.self) { try f.ints("t.nested") }  // an array of arrays is not an array of ints
        #expect(f.metadata["t.nested"]?.typeDescription == "array[3] of array[2] of int32")
        #expect(throws: GGUFError.self) { try f.ints("t.strs") }
    }

    @Test("F32, F16 and BF16 tensors are written aligned and dequantise to their values (F16/BF16 rounded)")
    func tensors() throws {
        var rng = SystemRandomNumberGenerator()
        let a = (0..<(8 * 3)).map { _ in Float.random(in: -2...2, using: &rng) }
        let b = (0..<(64 * 2)).map { _ in Float.random(in: -2...2, using: &rng) }
        let c: [Float] = [1, -0.5, 3.0e38, .infinity, 1e-40, 0.333333]
        var w = GGUFWriter(alignment: 64)
        w.set("general.architecture", "llama")
        w.set("llama.block_count", 2)
        w.set("tok", strings: ["<s>", "a"])
        try w.addTensor(name: "a", dimensions: [8, 3], values: a)
        try w.addTensor(name: "b", dimensions: [64, 2], values: b, type: .f16)
        try w.addTensor(name: "c", dimensions: [6], values: c, type: .bf16)
        let path = TestPaths.temporaryFile("tensors.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try w.write(to: path)

        let f = try GGUFFile(path: path)
        #expect(f.alignment == 64)
        #expect(try f.int("general.alignment") == 64)
        #expect(try f.int("llama.block_count") == 2)
        #expect(f.tensors.map(\.name) == ["a", "b", "c"])
        for t in f.tensors { #expect(t.offset % 64 == 0) }
        let ta = try #require(f.tensor(named: "a"))
        #expect(ta.dimensions == [8, 3] && ta.rowCount == 3 && ta.type == .f32 && ta.byteCount == 96)
        #expect(try f.dequantize(ta) == a)
        #expect(try f.dequantize(named: "b") == b.map { Float(Float16($0)) })
        let bf = try f.dequantize(named: "c")
        #expect(bf[0] == 1 && bf[1] == -0.5 && bf[3] == .infinity)
        for (x, y) in zip(bf, c) where x.isFinite && y.isNormal { #expect(abs(x - y) <= abs(y) / 128) }
    }

    @Test("the writer refuses inconsistent input")
    func writerErrors() throws {
        var w = GGUFWriter()
        #expect(throws: GGUFError.self) { try w.addTensor(name: "x", dimensions: [4, 2], values: [1, 2, 3]) }
        #expect(throws: GGUFError.self) {
            try w.addTensor(name: "x", dimensions: [32], values: .init(repeating: 0, count: 32), type: .q4_0)
        }
        #expect(throws: GGUFError.self) {
            try w.addTensor(name: "x", dimensions: [16], type: .q4_0, blocks: .init(repeating: 0, count: 18))
        }
        try w.addTensor(name: "x", dimensions: [2], values: [1, 2])
        #expect(throws: GGUFError.self) { try w.addTensor(name: "x", dimensions: [2], values: [1, 2]) }
        w.set("mixed", .array([.int32(1), .string("a")]))
        #expect(throws: GGUFError.self) { try w.encoded() }
    }
}
