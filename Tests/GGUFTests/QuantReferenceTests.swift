// Every dequantiser against gguf.quants.dequantize on random blocks (Fixtures/quant-reference.gguf,
// made by scripts/make_gguf_fixtures.py with the gguf package's own writer).
import Foundation
import Testing
@testable import GGUF

@Suite("Dequantisation against the gguf package's reference")
struct QuantReferenceTests {
    static let path = TestPaths.fixtures.appendingPathComponent("quant-reference.gguf").path
    static let types: [GGMLType] = [
        .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl, .iq4_xs,
    ]

    @Test("each type dequantises bit-exactly to the reference floats", arguments: types)
    func matchesReference(type: GGMLType) throws {
        let file = try GGUFFile(path: Self.path)
        let tensor = try file.requireTensor(named: type.name)
        let expected = try file.requireTensor(named: type.name + ".expected")
        #expect(tensor.type == type)
        #expect(expected.type == .f32)
        #expect(tensor.dimensions == expected.dimensions)
        #expect(tensor.rowCount == 3)
        let got = try file.dequantize(tensor)
        let want = try file.dequantize(expected)
        #expect(got.count == want.count)
        var mismatches = 0
        var firstBad: (Int, Float, Float)? = nil
        for i in 0..<min(got.count, want.count) where got[i].bitPattern != want[i].bitPattern {
            mismatches += 1
            if firstBad == nil { firstBad = (i, got[i], want[i]) }
        }
        #expect(mismatches == 0, "\(type.name): \(mismatches) values differ; first at \(String(describing: firstBad))")
    }

    @Test("dequantize(into:) writes the same values as dequantize()", arguments: [GGMLType.q4_K, .q8_0])
    func intoPointer(type: GGMLType) throws {
        let file = try GGUFFile(path: Self.path)
        let tensor = try file.requireTensor(named: type.name)
        var out = [Float](repeating: .nan, count: tensor.elementCount)
        try out.withUnsafeMutableBufferPointer { try file.dequantize(tensor, into: $0.baseAddress!) }
        #expect(out == (try file.dequantize(tensor)))
    }

    @Test("metadata written by the gguf package reads back with every value type")
    func packageMetadata() throws {
        let file = try GGUFFile(path: Self.path)
        #expect(file.version == 3)
        #expect(try file.string("general.architecture") == "llama")
        #expect(file.metadata["t.u8"] == .uint8(250))
        #expect(file.metadata["t.i8"] == .int8(-120))
        #expect(file.metadata["t.u16"] == .uint16(65000))
        #expect(file.metadata["t.i16"] == .int16(-32000))
        #expect(file.metadata["t.u32"] == .uint32(4_000_000_000))
        #expect(file.metadata["t.i32"] == .int32(-2_000_000_000))
        #expect(file.metadata["t.u64"] == .uint64(1 << 63 + 5))
        #expect(file.metadata["t.i64"] == .int64(-(1 << 62)))
        #expect(file.metadata["t.f32"] == .float32(0.1))
        #expect(file.metadata["t.f64"] == .float64(2.5e-300))
        #expect(try file.bool("t.bool"))
        #expect(try file.string("t.str") == "naïve ✓ 日本")
        #expect(try file.strings("t.strs") == ["<|im_start|>", "Ġthe", ""])
        #expect(try file.ints("t.ints") == [1, -2, 3])
        #expect(try file.floats("t.floats") == [0.5, -1.25])
        #expect(
            file.metadata["t.nested"]
                == .array([.array([.int32(1), .int32(2), .int32(3)]), .array([.string("a"), .string("b")])]))
    }

    @Test("types without a dequantiser are refused with the list of supported ones")
    func unsupported() throws {
        var w = GGUFWriter()
        try w.addTensor(name: "k", dimensions: [256], type: .iq3_s, blocks: [UInt8](repeating: 0, count: 110))
        let path = TestPaths.temporaryFile("iq3s.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try w.write(to: path)
        let file = try GGUFFile(path: path)
        let t = try file.requireTensor(named: "k")
        let error = #expect(throws: GGUFError.self) { try file.dequantize(t) }
        #expect(error?.description.contains("IQ3_S") == true)
        #expect(error?.description.contains("Q4_K") == true)
    }
}

@Suite("Row-range dequantisation")
struct RowRangeTests {
    @Test(
        "dequantizeRows gives the matching slice of the whole tensor", arguments: [GGMLType.q4_K, .q8_0, .f16, .q6_K])
    func rows(type: GGMLType) throws {
        let file = try GGUFFile(path: QuantReferenceTests.path)
        let t = try file.requireTensor(named: type.name)
        let all = try file.dequantize(t)
        let n = t.dimensions[0]
        var out = [Float](repeating: .nan, count: 2 * n)
        try out.withUnsafeMutableBufferPointer { try file.dequantizeRows(t, rows: 1..<3, into: $0.baseAddress!) }
        #expect(out == Array(all[n..<(3 * n)]))
        #expect(throws: GGUFError.self) {
            try out.withUnsafeMutableBufferPointer { try file.dequantizeRows(t, rows: 2..<4, into: $0.baseAddress!) }
        }
    }
}
