import Foundation
import Testing
import GGUF
@testable import Inference

/// The int8 prefill GEMM (AVX-512 VNNI, `QuantizedMatrix.gemmInt8`) against the int8 decode kernels run row by row:
/// both form the same integer block sums with the same activation scales, so they differ only in the order of float
/// sums, and not at all where the decode kernels take the tile's order (every format, on such a CPU). Skipped
/// (passes trivially) on a CPU without AVX-512 VNNI.
@Suite("Int8 prefill GEMM")
struct Int8GemmTests {
    /// Blocks of `type` for a [rows, cols] matrix (K-quants, Q5_0 and Q5_1 from KQuantKernelTests, with a bound on each
    /// weight's terms; the others from QuantizedKernelTests, bounded by |value| + the row's largest |value|).
    static func blocks(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) -> (bytes: [UInt8], bound: [Float]) {
        switch type {
        case .q5_0, .q5_1, .q4_K, .q5_K, .q6_K:
            let m = KQuantKernelTests.RandomMatrix(type, rows: rows, cols: cols, seed: seed)
            return (m.blocks, m.termBound)
        default:
            let (b, dense) = QuantizedKernelTests().makeBlocks(type, rows: rows, cols: cols, seed: seed)
            let bound = (0..<rows).flatMap { r in
                let row = dense[(r * cols)..<((r + 1) * cols)], top = row.map(abs).max() ?? 0
                return row.map { abs($0) + top }
            }
            return (b.data, bound)
        }
    }

    @Test(
        "equals the int8 decode kernels row by row up to float rounding",
        arguments: [GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K])
    func matchesDecodeKernels(type: GGMLType) throws {
        let cols = type.blockSize == 256 ? 512 : 96
        for rows in [1, 17, 33, 70] {
            let (bytes, bound) = Self.blocks(type, rows: rows, cols: cols, seed: UInt64(rows * 31 + cols))
            let raw = DecodePoolTests.RawBlocks(bytes)
            let q = QuantizedMatrix(type: type, rows: rows, cols: cols, data: raw.pointer, owner: raw)
            guard q.hasGemmInt8 else { return }
            for m in [2, 7, 10, 11, 15] {  // full six-token tiles and every remainder (2, 1, 4, 5, 3)
                let x = (0..<m).flatMap { KQuantKernelTests.activations(cols, seed: UInt64(m * 100 + $0)) }
                let y = FloatBuffer(count: m * rows), ref = FloatBuffer(count: m * rows)
                x.withUnsafeBufferPointer { xp in
                    q.gemmInt8(xp.baseAddress!, y.pointer, m: m, threads: 2)
                    for t in 0..<m {
                        q.matvec(xp.baseAddress! + t * cols, ref.pointer + t * rows, int8: true, threads: 1)
                    }
                }
                // The decode kernels run the tile's float steps in its order: the same bits.
                #expect(y.array(0..<(m * rows)) == ref.array(0..<(m * rows)), "\(type) rows \(rows) m \(m)")
                for t in 0..<m {
                    let rounded = KQuantKernelTests.int8Rounded(Array(x[(t * cols)..<((t + 1) * cols)]))
                    for r in 0..<rows {
                        var allowed: Double = 1e-30
                        for c in 0..<cols { allowed += 6e-5 * Double(bound[r * cols + c]) * Double(abs(rounded[c])) }
                        let diff = Double(abs(y[t * rows + r] - ref[t * rows + r]))
                        #expect(
                            diff <= allowed, "\(type) rows \(rows) m \(m) token \(t) row \(r): \(diff) > \(allowed)")
                    }
                }
            }
        }
    }

    @Test("the quantizedInt8 mode's prefill keeps the greedy answer and stays close to the exact prefill")
    func modelPrefill() throws {
        let quant = try SharedModel.get()
        let int8 = try DecoderModel(config: quant.config, weights: quant.weights, decodeMode: .quantizedInt8)
        let prompt: [Int32] = [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]
        let exact = try quant.forward([prompt], caches: [quant.makeCache()], capture: .none, logits: .last)[0]
        let fast = try int8.forward([prompt], caches: [int8.makeCache()], capture: .none, logits: .last)[0]
        let a = try #require(fast.lastLogits), b = try #require(exact.lastLogits)
        #expect(Sampler.argmax(a) == Sampler.argmax(b))
        let worst = compare(a, b).maxAbsDiff
        #expect(worst < 1.5, "int8 vs exact prefill logits: \(worst)")
        print("int8 prefill: last-position logits max abs diff vs the exact prefill \(worst)")
    }
}
