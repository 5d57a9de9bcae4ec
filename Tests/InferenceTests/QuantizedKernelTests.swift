import CKernels
import Foundation
import Hooks
import Testing
@testable import Inference
import GGUF

/// The decode kernels on quantised blocks against a scalar dequantise-then-dot reference.
@Suite("Quantised decode kernels")
struct QuantizedKernelTests {
    final class Bytes { var data: [UInt8]; init(_ d: [UInt8]) { data = d } }

    /// Random blocks of `type` for a [rows, cols] matrix, and the matrix dequantised by the GGUF module's rules.
    func makeBlocks(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) -> (Bytes, [Float]) {
        var rng = SeededGenerator(state: seed)
        var bytes: [UInt8] = []
        var values: [Float] = []
        func half(_ f: Float) -> [UInt8] { let b = Float16(f).bitPattern; return [UInt8(b & 0xFF), UInt8(b >> 8)] }
        for _ in 0..<(rows * cols / 32) {
            let d = Float(Float16(0.01 + abs(rng.nextSymmetric()) * 0.05))
            let m = Float(Float16(rng.nextSymmetric() * 0.3))
            var q = [Int](repeating: 0, count: 32)
            switch type {
            case .q8_0:
                for i in 0..<32 { q[i] = Int(rng.next() % 255) - 127 }
                bytes += half(d) + q.map { UInt8(bitPattern: Int8($0)) }
                values += q.map { d * Float($0) }
            case .q4_0, .q4_1:
                for i in 0..<32 { q[i] = Int(rng.next() % 16) }
                bytes += half(d) + (type == .q4_1 ? half(m) : [])
                bytes += (0..<16).map { UInt8(q[$0] | (q[$0 + 16] << 4)) }
                values += q.map { type == .q4_1 ? d * Float($0) + m : d * Float($0 - 8) }
            default: break
            }
        }
        return (Bytes(bytes), values)
    }

    @Test(
        "matvec on Q4_0, Q4_1 and Q8_0 blocks equals the dequantised F32 product",
        arguments: [GGMLType.q4_0, .q4_1, .q8_0])
    func matvec(type: GGMLType) throws {
        let rows = 1101, cols = 96
        let (blocks, dense) = makeBlocks(type, rows: rows, cols: cols, seed: UInt64(type.rawValue))
        var rng = SeededGenerator(state: 99)
        let x = (0..<cols).map { _ in rng.nextSymmetric() }
        let y = FloatBuffer(count: rows), y8 = FloatBuffer(count: rows)
        blocks.data.withUnsafeBytes { raw in
            let q = QuantizedMatrix(type: type, rows: rows, cols: cols, data: raw.baseAddress!, owner: blocks)
            x.withUnsafeBufferPointer { q.matvec($0.baseAddress!, y.pointer) }
            x.withUnsafeBufferPointer { q.matvec($0.baseAddress!, y8.pointer, int8: true) }
        }
        var worst: Float = 0, worst8: Float = 0
        for r in 0..<rows {
            var ref: Double = 0, magnitude: Double = 0
            for c in 0..<cols {
                ref += Double(dense[r * cols + c]) * Double(x[c])
                magnitude += abs(Double(dense[r * cols + c]) * Double(x[c]))
            }
            worst = max(worst, abs(y[r] - Float(ref)))
            // int8 activations: error bounded by the rounding of x (≤ half a step of max|x|/127 per value).
            worst8 = max(worst8, abs(y8[r] - Float(ref)) / Float(magnitude))
        }
        #expect(worst < 1e-4, "\(type): max abs diff \(worst)")
        #expect(worst8 < 0.01, "\(type) int8: max relative diff \(worst8)")
    }
}

@Suite(
    "Quantised decode on the real model", .enabled(if: TestPaths.realModelTestsEnabled, "needs the model in models/"))
struct QuantizedDecodeParityTests {
    @Test("pg_quantize_q8 gives the definition's bits: d = max|x| / 127, q = x · (1/d) rounded half to even, Σq · d")
    func quantizeQ8() {
        var rng = SystemRandomNumberGenerator()
        for trial in 0..<200 {
            let cols = 32 * (1 + trial % 48), scale = Float(pow(10, Double(trial % 9 - 4)))
            var x = (0..<cols).map { _ in Float.random(in: -1...1, using: &rng) * scale }
            if trial % 4 == 0 { for i in 0..<32 { x[i] = 0 } }  // an all-zero block: d = 0, q = 0
            if trial % 5 == 0 { x[1] = 63.5 / 127 * x.prefix(32).map(abs).max()! }  // a tie when d is exact
            var q = [Int8](repeating: 0, count: cols), d = [Float](repeating: 0, count: cols / 32), s = d
            pg_quantize_q8(x, cols, &q, &d, &s)
            for b in 0..<(cols / 32) {
                let block = x[(32 * b)..<(32 * b + 32)]
                let amax = block.map(abs).max()!, db = amax / 127, inv: Float = db > 0 ? 1 / db : 0
                let qb = block.map { Int(($0 * inv).rounded(.toNearestOrEven)) }
                #expect(q[(32 * b)..<(32 * b + 32)].map(Int.init) == qb, "trial \(trial) block \(b)")
                #expect(d[b].bitPattern == db.bitPattern && s[b].bitPattern == (db * Float(qb.reduce(0, +))).bitPattern)
            }
        }
    }

    @Test("single-token steps with quantised kernels match the F32 BLAS path")
    func decodeParity() throws {
        let quant = try SharedModel.get()
        #expect(quant.decodeMode == .quantized)
        let f32 = try DecoderModel(config: quant.config, weights: quant.weights, decodeMode: .float32)
        let prompt: [Int32] = [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]
        let filter: HookFilter = [.residPost(3), .residPost(29), .lnFinal]
        try expectDecodeStepsMatch(
            quant, f32, prompt: prompt, steps: [504, 3575, 282], filter: filter, label: "smollm2")
    }

    @Test("int8-activation decode keeps the greedy answer and stays close to F32")
    func int8Decode() throws {
        let quant = try SharedModel.get()
        let int8 = try DecoderModel(config: quant.config, weights: quant.weights, decodeMode: .quantizedInt8)
        let prompt: [Int32] = [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]
        let expected: [Int32] = [504, 3575, 282, 4649, 314, 7042, 30, 2]
        // Both caches are prefilled on the exact path, so that only the decode steps differ (the int8 mode's own
        // prefill, the int8 GEMM, is checked in Int8GemmTests).
        let cache = int8.makeCache()
        var logits = try quant.forward([prompt], caches: [cache], capture: .none, logits: .last)[0].lastLogits ?? []
        var ids: [Int32] = []
        var worst: Float = 0
        let reference = quant.makeCache()
        _ = try quant.forward([prompt], caches: [reference], capture: .none, logits: .last)
        for _ in expected {
            let id = Sampler.argmax(logits)
            ids.append(id)
            logits = try int8.forward([[id]], caches: [cache], capture: .none, logits: .last)[0].lastLogits ?? []
            let ref = try quant.forward([[id]], caches: [reference], capture: .none, logits: .last)[0].lastLogits ?? []
            worst = max(worst, compare(logits, ref).maxAbsDiff)
        }
        #expect(ids == expected)
        #expect(worst < 1.5, "int8 vs F32-activation logits: \(worst)")
        print("int8 decode: logits max abs diff vs exact kernels \(worst)")
    }
}
