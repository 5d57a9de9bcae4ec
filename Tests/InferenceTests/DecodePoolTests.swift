import Hooks
import Foundation
import Testing
@testable import Inference
import CKernels
import GGUF

/// The decode fork/join pool (`pg_matvec_batch`): splitting rows across threads must not change any result, for
/// row counts that do not divide into the kernels' groups of 4, for batches of several matrices, and when several
/// callers decode at the same time (the pool then serves one and the others run on their own thread).
@Suite("Decode pool")
struct DecodePoolTests {
    let kernels = QuantizedKernelTests()

    /// Blocks copied into memory that lives as long as the matrix that owns it.
    final class RawBlocks {
        let pointer: UnsafeMutableRawPointer
        init(_ bytes: [UInt8]) {
            pointer = .allocate(byteCount: max(1, bytes.count), alignment: 64)
            bytes.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        }
        deinit { pointer.deallocate() }
    }

    /// A random matrix of `type`.
    func matrix(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) -> QuantizedMatrix {
        if [.q5_0, .q5_1, .q4_K, .q5_K, .q6_K].contains(type) {
            return KQuantKernelTests.RandomMatrix(type, rows: rows, cols: cols, seed: seed).matrix
        }
        let raw = RawBlocks(kernels.makeBlocks(type, rows: rows, cols: cols, seed: seed).0.data)
        return QuantizedMatrix(type: type, rows: rows, cols: cols, data: raw.pointer, owner: raw)
    }

    func vector(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(state: seed)
        return (0..<n).map { _ in rng.nextSymmetric() }
    }

    func product(_ m: QuantizedMatrix, _ x: [Float], int8: Bool, threads: Int) -> [Float] {
        let y = FloatBuffer(count: m.rows)
        x.withUnsafeBufferPointer { m.matvec($0.baseAddress!, y.pointer, int8: int8, threads: threads) }
        return y.array(0..<m.rows)
    }

    @Test(
        "threaded products equal the single-thread ones for awkward row counts",
        arguments: [GGMLType.q4_0, .q4_1, .q8_0, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K])
    func awkwardRows(type: GGMLType) {
        let cols = type.blockSize == 256 ? 512 : 160
        let x = vector(cols, seed: 7)
        for rows in [1, 3, 4, 5, 7, 9, 63, 130, 577, 1101, 4099] {
            let m = matrix(type, rows: rows, cols: cols, seed: UInt64(rows))
            for int8 in [false, true] {
                let one = product(m, x, int8: int8, threads: 1)
                for threads in [2, 3, 5] {
                    #expect(
                        product(m, x, int8: int8, threads: threads) == one,
                        "\(type) rows \(rows) int8 \(int8) threads \(threads)")
                }
            }
        }
    }

    @Test("a batch of matrices sharing one input equals one product at a time")
    func batch() {
        let cols = 256
        let x = vector(cols, seed: 11)
        let ms = [
            matrix(.q4_1, rows: 576, cols: cols, seed: 1), matrix(.q8_0, rows: 191, cols: cols, seed: 2),
            matrix(.q4_0, rows: 6, cols: cols, seed: 3), matrix(.q5_0, rows: 130, cols: cols, seed: 4),
            matrix(.q4_K, rows: 77, cols: cols, seed: 5), matrix(.q6_K, rows: 301, cols: cols, seed: 6),
            matrix(.q5_K, rows: 45, cols: cols, seed: 7),
        ]
        for int8 in [false, true] {
            let outs = ms.map { FloatBuffer(count: $0.rows) }
            x.withUnsafeBufferPointer { xp in
                QuantizedMatrix.matvec(zip(ms, outs).map { ($0, $1.pointer) }, xp.baseAddress!, int8: int8, threads: 2)
            }
            for (m, out) in zip(ms, outs) {
                #expect(out.array(0..<m.rows) == product(m, x, int8: int8, threads: 1), "\(m.type) int8 \(int8)")
            }
        }
    }

    @Test(
        "fused gate/up/SwiGLU equals the two products followed by the activation",
        arguments: [GGMLType.q4_1, .q5_0, .q4_K])
    func fusedSwiGLU(type: GGMLType) {
        let cols = 256, rows = 1101
        let x = vector(cols, seed: 5)
        let gate = matrix(type, rows: rows, cols: cols, seed: 21), up = matrix(type, rows: rows, cols: cols, seed: 22)
        for int8 in [false, true] {
            for threads in [1, 2, 3] {
                let g = FloatBuffer(count: rows), u = FloatBuffer(count: rows)
                x.withUnsafeBufferPointer { xp in
                    QuantizedMatrix.swiglu(
                        gate: (gate, g.pointer), up: (up, u.pointer), xp.baseAddress!, int8: int8,
                        threads: threads)
                }
                let refGate = product(gate, x, int8: int8, threads: 1), refUp = product(up, x, int8: int8, threads: 1)
                let expected = FloatBuffer(count: rows)
                refGate.withUnsafeBufferPointer { gp in
                    refUp.withUnsafeBufferPointer { upp in
                        Kernels.swiglu(gp.baseAddress!, upp.baseAddress!, expected.pointer, count: rows)
                    }
                }
                #expect(
                    g.array(0..<rows) == refGate, "gate keeps the pre-activation (int8 \(int8), threads \(threads))")
                #expect(u.array(0..<rows) == expected.array(0..<rows), "int8 \(int8), threads \(threads)")
            }
        }
    }

    @Test(
        "decode attention on the pool matches a plain softmax-attention reference",
        arguments: [(1, 1, 8), (9, 3, 64), (4, 2, 128)])
    func attention(shape: (heads: Int, kvHeads: Int, headDim: Int)) {
        let (heads, kvHeads, hd) = shape
        let kvStride = kvHeads * hd, scale = 1 / Float(hd).squareRoot()
        for keys in [1, 7, 300, 4100] {
            let q = vector(heads * hd, seed: UInt64(keys)), k = vector(keys * kvStride, seed: 2 * UInt64(keys))
            let v = vector(keys * kvStride, seed: 3 * UInt64(keys))
            var expected = [Float](repeating: 0, count: heads * hd)
            for h in 0..<heads {
                let kv = h / (heads / kvHeads)
                var scores = (0..<keys).map { j in
                    (0..<hd).reduce(Double(0)) { $0 + Double(q[h * hd + $1]) * Double(k[j * kvStride + kv * hd + $1]) }
                        * Double(scale)
                }
                let m = scores.max()!
                scores = scores.map { exp($0 - m) }
                let total = scores.reduce(0, +)
                for i in 0..<hd {
                    let z = (0..<keys).reduce(Double(0)) {
                        $0 + scores[$1] / total * Double(v[$1 * kvStride + kv * hd + i])
                    }
                    expected[h * hd + i] = Float(z)
                }
            }
            for threads in [1, 2] {
                var out = [Float](repeating: .nan, count: heads * hd)
                pg_attention_decode(
                    q, k, v, kvStride, keys, Int32(heads), Int32(kvHeads), Int32(hd), scale, &out,
                    Int32(threads))
                let worst = zip(out, expected).map { abs($0 - $1) }.max()!
                #expect(worst < 1e-5, "heads \(heads)/\(kvHeads) hd \(hd) keys \(keys) threads \(threads): \(worst)")
            }
        }
    }

    @Test("prefill's pooled GELU-tanh and SwiGLU equal the scalar activations to float rounding, over chunk edges")
    func pooledActivations() {
        var rng = SeededGenerator(state: 5)
        // 16384 values per chunk: 40,003 spans three chunks and ends in a scalar tail; gates reach ±12 (σ saturates).
        for count in [1, 7, 8, 16_384, 40_003] {
            let gate = (0..<count).map { _ in rng.nextSymmetric() * 12 }
            let up = (0..<count).map { _ in rng.nextSymmetric() * 3 }
            for gelu in [true, false] {
                var pooled = up
                var expected = [Float](repeating: 0, count: count)
                gate.withUnsafeBufferPointer { g in
                    up.withUnsafeBufferPointer { u in
                        expected.withUnsafeMutableBufferPointer { e in
                            if gelu {
                                Kernels.geluTanhGated(g.baseAddress!, u.baseAddress!, e.baseAddress!, count: count)
                            } else {
                                Kernels.swiglu(g.baseAddress!, u.baseAddress!, e.baseAddress!, count: count)
                            }
                        }
                    }
                    pooled.withUnsafeMutableBufferPointer { p in
                        if gelu {
                            pg_gelu_tanh_parallel(g.baseAddress!, p.baseAddress!, count, 2)
                        } else {
                            pg_swiglu_parallel(g.baseAddress!, p.baseAddress!, count, 2)
                        }
                    }
                }
                // Against the scalar form: relative where values are large, absolute near 0 (0.5·g·(1 + tanh u)
                // cancels for very negative u, so there the scalar form is the less accurate of the two).
                let worst = zip(pooled, expected).map { abs($0 - $1) / max(abs($1), 1) }.max()!
                #expect(worst < 2e-6, "\(gelu ? "GELU" : "SwiGLU"), \(count) values: error \(worst)")
                // Against double precision, relative everywhere the value is not tiny.
                let exact = zip(gate, up).map { g, u -> Double in
                    let x = Double(g)
                    let act =
                        gelu
                        ? 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
                        : x / (1 + exp(-x))
                    return act * Double(u)
                }
                let drift = zip(pooled, exact).map { abs(Double($0) - $1) / max(abs($1), 1e-6) }.max()!
                #expect(drift < 1e-5, "\(gelu ? "GELU" : "SwiGLU"), \(count) values: relative error \(drift)")
            }
        }
    }

    @Test("concurrent callers all get correct results")
    func concurrentCallers() {
        let cols = 128, callers = 6
        let ms = (0..<callers).map {
            matrix($0 % 2 == 0 ? .q4_1 : .q8_0, rows: 300 + 37 * $0, cols: cols, seed: UInt64($0))
        }
        let xs = (0..<callers).map { vector(cols, seed: 100 + UInt64($0)) }
        let expected = (0..<callers).map { product(ms[$0], xs[$0], int8: $0 % 3 == 0, threads: 1) }
        let failures = Counter()
        DispatchQueue.concurrentPerform(iterations: callers) { i in
            for _ in 0..<200 where product(ms[i], xs[i], int8: i % 3 == 0, threads: 2) != expected[i] {
                failures.increment()
            }
        }
        #expect(failures.value == 0)
    }

    /// A thread-safe count.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func increment() { lock.lock(); count += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    }
}
