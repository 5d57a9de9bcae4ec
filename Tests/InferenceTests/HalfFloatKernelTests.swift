import CKernels
import Foundation
import Hooks
import Testing

@testable import GGUF
@testable import Inference

/// The decode kernels on F16 and BF16 weights (unquantised GGUFs) against the GGUF module's dequantisers, in every
/// mode and batched, and a tiny model written in each format decoding as its float32 copy does.
@Suite("F16 and BF16 decode kernels")
struct HalfFloatKernelTests {
    /// Random values in [-1, 1) with extremes mixed in (zero, subnormal, the format's large values, either sign),
    /// stored as `type`'s 2-byte values, and the same values dequantised.
    static func matrix(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) -> (blocks: [UInt8], dense: [Float]) {
        var rng = SeededGenerator(state: seed)
        let extremes: [Float] = type == .f16 ? [0, 5.96e-8, 6.1e-5, 65504, -65504] : [0, 1e-38, 3e38, -3e38, 1e-20]
        var bytes: [UInt8] = []
        for i in 0..<(rows * cols) {
            let v = i % 53 == 7 ? extremes[Int(rng.next() % UInt64(extremes.count))] : rng.nextSymmetric()
            let bits = type == .f16 ? Float16(v).bitPattern : UInt16(v.bitPattern >> 16)
            bytes += [UInt8(bits & 0xFF), UInt8(bits >> 8)]
        }
        var dense = [Float](repeating: 0, count: rows * cols)
        bytes.withUnsafeBytes { src in
            dense.withUnsafeMutableBufferPointer { dst in
                _ = Dequantize.run(type, src.baseAddress!, dst.baseAddress!, elements: rows * cols)
            }
        }
        return (bytes, dense)
    }

    static func quantized(_ type: GGMLType, rows: Int, cols: Int, blocks: [UInt8]) -> QuantizedMatrix {
        let raw = DecodePoolTests.RawBlocks(blocks)
        return QuantizedMatrix(type: type, rows: rows, cols: cols, data: raw.pointer, owner: raw)
    }

    /// Activations for `type`: `KQuantKernelTests.activations` (up to 100), scaled down for BF16 so that no product
    /// with its ±3e38 weights overflows.
    static func activations(_ type: GGMLType, _ cols: Int, seed: UInt64) -> [Float] {
        KQuantKernelTests.activations(cols, seed: seed).map { type == .bf16 ? $0 * 1e-30 : $0 }
    }

    @Test("equal to the dequantised product up to float32 summation", arguments: [GGMLType.f16, .bf16])
    func exact(type: GGMLType) throws {
        for cols in [32, 96, 896, 4352] {
            for rows in [1, 3, 4, 5, 130] {
                let (blocks, dense) = Self.matrix(type, rows: rows, cols: cols, seed: UInt64(rows * 1000 + cols))
                let m = Self.quantized(type, rows: rows, cols: cols, blocks: blocks)
                let x = Self.activations(type, cols, seed: UInt64(cols + rows))
                let y = KQuantKernelTests.product(m, x, int8: false)
                for r in 0..<rows {
                    var ref: Double = 0, magnitude: Double = 1e-300
                    for c in 0..<cols {
                        let term = Double(dense[r * cols + c]) * Double(x[c])
                        ref += term
                        magnitude += abs(term)
                    }
                    #expect(
                        abs(Double(y[r]) - ref) <= 1e-5 * magnitude,  // ≥ (cols / 32 + 5)·2⁻²⁴
                        "\(type) rows \(rows) cols \(cols) row \(r): \(y[r]) vs \(ref)")
                }
            }
        }
    }

    @Test(
        "every mode reads F32 activations; a batched step's rows equal single products bit for bit",
        arguments: [GGMLType.f16, .bf16])
    func everyMode(type: GGMLType) throws {
        for cols in [64, 4352] {
            let rows = 37
            let (blocks, _) = Self.matrix(type, rows: rows, cols: cols, seed: UInt64(cols))
            let m = Self.quantized(type, rows: rows, cols: cols, blocks: blocks)
            let x = Self.activations(type, cols, seed: 5)
            let y = KQuantKernelTests.product(m, x, int8: false)
            #expect(KQuantKernelTests.product(m, x, int8: true) == y)
            for sequences in [2, 5, 9] {  // whole tiles of four, and what is left over
                let xs = (0..<sequences).flatMap { Self.activations(type, cols, seed: UInt64(20 + $0)) }
                for int8 in [false, true] {
                    let out = FloatBuffer(count: sequences * rows)
                    xs.withUnsafeBufferPointer {
                        m.matvec($0.baseAddress!, out.pointer, sequences: sequences, int8: int8, threads: 2)
                    }
                    for t in 0..<sequences {
                        let single = KQuantKernelTests.product(
                            m, Array(xs[(t * cols)..<((t + 1) * cols)]), int8: int8)
                        #expect(
                            out.array((t * rows)..<((t + 1) * rows)) == single,
                            "\(type) cols \(cols) sequences \(sequences) row \(t) int8 \(int8)")
                    }
                }
            }
        }
    }

    @Test("GGUF F16 and BF16 matrices get a kernel when their rows are whole groups of 32 values")
    func dispatch() throws {
        var w = GGUFWriter()
        let cases: [(name: String, type: GGMLType, cols: Int, expectKernel: Bool)] = [
            ("f16_64", .f16, 64, true), ("bf16_96", .bf16, 96, true), ("f16_48", .f16, 48, false),
            ("f32_64", .f32, 64, false),
        ]
        for c in cases {
            try w.addTensor(
                name: c.name, dimensions: [c.cols, 3], values: (0..<(3 * c.cols)).map { Float($0 % 7) - 3 },
                type: c.type)
        }
        let path = TestPaths.temporaryFile("half.gguf")
        try w.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try GGUFFile(path: path)
        for c in cases {
            let tensor = try #require(file.tensors.first { $0.name == c.name })
            #expect((QuantizedMatrix(file: file, tensor: tensor) != nil) == c.expectKernel, "\(c.name)")
        }
    }

    @Test(
        "a tiny model in F16 or BF16 decodes through the kernels as its float32 copy does",
        arguments: [GGMLType.f16, .bf16])
    func tinyModel(type: GGMLType) throws {
        let config = ModelConfig(
            architecture: "llama", name: "tiny", nLayers: 2, dModel: 64, nHeads: 4, nKVHeads: 2, headDim: 16,
            dFF: 96, vocabSize: 67, contextLength: 128, ropeBase: 10000, ropeDim: 16, rmsEpsilon: 1e-5,
            tiedEmbeddings: false)
        let path = try TinyGGUFModelTests.write(config, .random(config: config, seed: 4), matrixType: type)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try GGUFFile(path: path)
        let mapped = try LlamaModel.load(from: file)
        #expect(mapped.weights.layers[0].down.quantized?.type == type)
        #expect(mapped.weights.output.quantized?.type == type)
        let float32 = try LlamaModel.load(from: file, decodeMode: .float32, storage: .float32)
        try expectDecodeStepsMatch(
            mapped, float32, prompt: [1, 5, 9, 2], steps: [7, 3, 11, 40],
            filter: HookFilter([.block(1, .residPost)]), label: "\(type)")
    }
}
