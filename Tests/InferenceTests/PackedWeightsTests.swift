import CKernels
import Foundation
import GGUF
import Testing

@testable import Inference

/// Packed int8 copies of the 32-value formats (`PackedWeights`): a batched int8 step on the packed copy gives the
/// bits of packing per call and of one-at-a-time decode; a copy is made only within its budget (otherwise per-call
/// packing, same bits), takes the bytes `pg_q8_packed_bytes` says and gives them back with its matrix. On a CPU
/// without AVX-512 VNNI (or with POLYGRAPH_NO_AVX512=1) nothing is packed and the products must still agree.
@Suite("Packed int8 weights")
struct PackedWeightsTests {
    let kernels = QuantizedKernelTests()

    func matrix(_ type: GGMLType, rows: Int, cols: Int, budget: PackedWeights.Budget) -> QuantizedMatrix {
        let bytes =
            type == .q5_0 || type == .q5_1
            ? KQuantKernelTests.RandomMatrix(type, rows: rows, cols: cols, seed: 7).blocks
            : kernels.makeBlocks(type, rows: rows, cols: cols, seed: 7).0.data
        let raw = DecodePoolTests.RawBlocks(bytes)
        return QuantizedMatrix(type: type, rows: rows, cols: cols, data: raw.pointer, owner: raw, packing: budget)
    }

    /// y [n, rows] of a batched int8 step.
    func batched(_ m: QuantizedMatrix, _ x: [Float], n: Int, pack: Bool = true) -> [UInt32] {
        let y = FloatBuffer(count: n * m.rows)
        x.withUnsafeBufferPointer {
            m.matvec($0.baseAddress!, y.pointer, sequences: n, int8: true, pack: pack, threads: 2)
        }
        return (0..<(n * m.rows)).map { y[$0].bitPattern }
    }

    /// Per group of sixteen rows: the values (the 4-bit formats as nibbles, half a byte each; the others a byte),
    /// then a float scale per row and block, and for Q4_1 and Q5_1 a float offset.
    static func expectedBytes(_ type: GGMLType, rows: Int, cols: Int) -> Int {
        let valueBytes = [.q4_0, .q4_1].contains(type) ? 8 * cols : 16 * cols
        return (rows + 15) / 16 * (valueBytes + ([.q4_1, .q5_1].contains(type) ? 2 : 1) * 16 * (cols / 32) * 4)
    }

    @Test(
        "the packed copy gives the bits of per-call packing and of one row at a time",
        arguments: [
            GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0,
        ])
    func sameBits(type: GGMLType) {
        for (rows, cols) in [(17, 96), (200, 96), (1000, 64), (70, 576)] {
            let roomy = PackedWeights.Budget(limit: 1 << 30), none = PackedWeights.Budget(limit: 0)
            let a = matrix(type, rows: rows, cols: cols, budget: roomy)
            let b = matrix(type, rows: rows, cols: cols, budget: none)
            let supported = pg_q8_packed_bytes(Int32(type.rawValue), rows, cols)
            for n in [2, 3, 7, 16] {
                let x = (0..<n).flatMap { KQuantKernelTests.activations(cols, seed: UInt64(n * 10 + $0)) }
                let packed = batched(a, x, n: n), repacked = batched(b, x, n: n)
                #expect(packed == repacked, "\(type) \(rows)×\(cols) n \(n): packed differs from per-call packing")
                for t in [0, n - 1] {
                    let one = batched(a, Array(x[(t * cols)..<((t + 1) * cols)]), n: 1)
                    #expect(Array(packed[(t * rows)..<((t + 1) * rows)]) == one, "\(type) \(rows)×\(cols) row \(t)")
                }
            }
            #expect(b.packed?.bytes == 0 && none.used == 0)
            if supported > 0 {
                #expect(supported == Self.expectedBytes(type, rows: rows, cols: cols))
                #expect(a.packed?.bytes == supported && roomy.used == supported)
            } else {
                #expect(a.packed?.bytes == 0 && roomy.used == 0)
            }
        }
    }

    @Test("a copy that would not fit is not made; the budget is shared and given back with the matrix")
    func budget() {
        let type = GGMLType.q4_1, rows = 64, cols = 128
        let bytes = pg_q8_packed_bytes(Int32(type.rawValue), rows, cols)
        guard bytes > 0 else { return }  // no packing on this CPU: sameBits covers the products
        let budget = PackedWeights.Budget(limit: bytes + bytes / 2)  // room for one copy, not two
        let x = (0..<4).flatMap { KQuantKernelTests.activations(cols, seed: UInt64($0)) }
        var first: QuantizedMatrix? = matrix(type, rows: rows, cols: cols, budget: budget)
        let second = matrix(type, rows: rows, cols: cols, budget: budget)
        let y1 = batched(first!, x, n: 4), y2 = batched(second, x, n: 4)
        #expect(y1 == y2)
        #expect(first?.packed?.bytes == bytes && second.packed?.bytes == 0 && budget.used == bytes)
        first = nil
        #expect(budget.used == 0, "the packed copy's bytes come back when its matrix goes")
        _ = batched(second, x, n: 4)  // declined once: stays unpacked even with room now
        #expect(second.packed?.bytes == 0 && budget.used == 0)
        let later = matrix(type, rows: rows, cols: cols, budget: PackedWeights.Budget(limit: 1 << 30))
        #expect(batched(later, x, n: 4, pack: false) == y2 && later.packed?.bytes == 0, "one prompt: no copy made")
        #expect(batched(later, x, n: 4) == y2 && later.packed?.bytes == bytes, "a batched step makes it")
        #expect(batched(later, x, n: 4, pack: false) == y2, "and a prompt then uses it")
        let tight = PackedWeights.Budget(limit: bytes - 1)
        let third = matrix(type, rows: rows, cols: cols, budget: tight)
        #expect(batched(third, x, n: 4) == y2 && third.packed?.bytes == 0 && tight.used == 0)
    }

    @Test(
        "default-mode batched steps on 24-bit digit rows pack every 32-value format, with the bits of one row at a time",
        arguments: [GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0])
    func defaultMode(type: GGMLType) {
        let rows = 70, cols = 576, n = 5
        let budget = PackedWeights.Budget(limit: 1 << 30)
        let m = matrix(type, rows: rows, cols: cols, budget: budget)
        let x = (0..<n).flatMap { KQuantKernelTests.activations(cols, seed: UInt64(40 + $0)) }
        let y = FloatBuffer(count: n * rows)
        x.withUnsafeBufferPointer { m.matvec($0.baseAddress!, y.pointer, sequences: n, int8: false, threads: 2) }
        let expected = QuantizedMatrix.digits24Decode ? pg_q8_packed_bytes(Int32(type.rawValue), rows, cols) : 0
        #expect(m.packed?.bytes == expected && budget.used == expected, "\(type)")
        for t in 0..<n {
            let one = FloatBuffer(count: rows)
            Array(x[(t * cols)..<((t + 1) * cols)]).withUnsafeBufferPointer {
                m.matvec($0.baseAddress!, one.pointer, int8: false, threads: 1)
            }
            #expect(y.array((t * rows)..<((t + 1) * rows)) == one.array(0..<rows), "\(type) row \(t)")
        }
    }

    @Test("the default budget: 256 MB, POLYGRAPH_PACKED_WEIGHTS_MB, at most a quarter of what is available")
    func defaultLimit() {
        let mb = 1 << 20
        #expect(PackedWeights.Budget.defaultLimit(environment: [:], available: nil) == 256 * mb)
        #expect(PackedWeights.Budget.defaultLimit(environment: [:], available: 400 * mb) == 100 * mb)
        let off = ["POLYGRAPH_PACKED_WEIGHTS_MB": "0"], big = ["POLYGRAPH_PACKED_WEIGHTS_MB": "2000"]
        #expect(PackedWeights.Budget.defaultLimit(environment: off, available: 1 << 40) == 0)
        #expect(PackedWeights.Budget.defaultLimit(environment: big, available: 1 << 40) == 2000 * mb)
        #expect(PackedWeights.Budget.defaultLimit(environment: big, available: 4000 * mb) == 1000 * mb)
    }
}
