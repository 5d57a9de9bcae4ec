import CKernels
import Foundation
import Hooks
import Testing

@testable import Inference

/// The default prefill's own float32 tile (`pg_sgemm_rows`: AVX-512, or AVX2 without it) against the single-threaded
/// sgemm path it replaced: equal up to rounding, its bits independent of the thread count and of the number of rows,
/// and equal to the scalar FMA chain (so the AVX-512 and AVX2 tiles agree: test_avx512_emulated.sh checks the other).
@Suite(
    "Tiled float32 prefill products",
    .enabled(if: PooledProduct.tiled, "the tile is off (POLYGRAPH_NO_TILE set)"))
struct TiledProductTests {
    /// `y = x · Wᵀ` through `PooledProduct.linear` on F32 rows in place.
    static func product(
        _ x: FloatBuffer, _ w: FloatBuffer, m: Int, rows: Int, cols: Int, threads: Int, tiled: Bool
    ) -> [Float] {
        let y = FloatBuffer(count: m * rows)
        let wp = UnsafePointer(w.pointer)
        PooledProduct.linear(
            x.pointer, y.pointer, m: m, rows: rows, cols: cols, targetFloats: 1 << 20, threads: threads,
            tiled: tiled, rowsOf: { range, _ in wp + range.lowerBound * cols }, needsScratch: false)
        return y.array()
    }

    static func maxRelative(_ a: [Float], _ b: [Float]) -> Float {
        let scale = b.map(abs).max() ?? 1
        return (zip(a, b).map { abs($0 - $1) }.max() ?? 0) / scale
    }

    @Test(
        "random matrices: the tile equals sgemm within rounding; 1 and 2 threads and fewer rows give the same bits",
        arguments: [
            (m: 13, rows: 77, cols: 96), (m: 256, rows: 576, cols: 576), (m: 3, rows: 40, cols: 1536),
            (m: 7, rows: 21, cols: 37),
        ])
    func random(shape: (m: Int, rows: Int, cols: Int)) {
        let (m, rows, cols) = shape
        var rng = SeededGenerator(state: UInt64(m * 1000 + rows))
        let x = FloatBuffer((0..<(m * cols)).map { _ in rng.nextSymmetric() })
        let w = FloatBuffer((0..<(rows * cols)).map { _ in rng.nextSymmetric() })
        let reference = Self.product(x, w, m: m, rows: rows, cols: cols, threads: 1, tiled: false)
        let one = Self.product(x, w, m: m, rows: rows, cols: cols, threads: 1, tiled: true)
        let two = Self.product(x, w, m: m, rows: rows, cols: cols, threads: 2, tiled: true)
        #expect(Self.maxRelative(one, reference) <= 1e-5)
        #expect(one == two)
        // The first m − 1 rows alone (a different tile split of the activations) give the same bits.
        let fewer = Self.product(x, w, m: m - 1, rows: rows, cols: cols, threads: 2, tiled: true)
        #expect(fewer == Array(one[0..<((m - 1) * rows)]))
    }

    @Test(
        "each result is the scalar FMA chain over k in order, bit for bit",
        arguments: [(m: 13, rows: 77, cols: 96), (m: 7, rows: 21, cols: 37), (m: 6, rows: 40, cols: 1536)])
    func fmaChain(shape: (m: Int, rows: Int, cols: Int)) {
        let (m, rows, cols) = shape
        var rng = SeededGenerator(state: UInt64(m * 7 + cols))
        let x = (0..<(m * cols)).map { _ in rng.nextSymmetric() }
        let w = (0..<(rows * cols)).map { _ in rng.nextSymmetric() }
        let y = Self.product(FloatBuffer(x), FloatBuffer(w), m: m, rows: rows, cols: cols, threads: 2, tiled: true)
        var differing = 0
        for t in 0..<m {
            for r in 0..<rows {
                var acc: Float = 0
                for j in 0..<cols { acc = acc.addingProduct(w[r * cols + j], x[t * cols + j]) }
                if acc.bitPattern != y[t * rows + r].bitPattern { differing += 1 }
            }
        }
        #expect(differing == 0, "\(differing) of \(m * rows) results differ from the FMA chain")
    }

    @Test(
        "every matrix of a real model's first layers: dequantised-panel tile equals sgemm within rounding",
        .enabled(if: TestPaths.realModelTestsEnabled, "needs the model in models/"))
    func realModel() throws {
        let model = try SharedModel.get()
        let m = 37
        var rng = SeededGenerator(state: 11)
        for layer in model.weights.layers.prefix(2) {
            for weight in [layer.q, layer.k, layer.v, layer.o, layer.gate, layer.up, layer.down] {
                let mapped = try #require(weight.mapped)
                let x = FloatBuffer((0..<(m * weight.cols)).map { _ in rng.nextSymmetric() })
                var outputs: [[Float]] = []
                for (tiled, threads) in [(false, 1), (true, 1), (true, 2)] {
                    let y = FloatBuffer(count: m * weight.rows)
                    PooledProduct.linear(
                        x.pointer, y.pointer, m: m, rows: weight.rows, cols: weight.cols, targetFloats: 1 << 20,
                        threads: threads, tiled: tiled,
                        rowsOf: { range, scratch in
                            mapped.dequantizeRows(range, into: scratch!)
                            return UnsafePointer(scratch!)
                        }, needsScratch: true)
                    outputs.append(y.array())
                }
                #expect(Self.maxRelative(outputs[1], outputs[0]) <= 1e-5, "\(weight.rows) × \(weight.cols)")
                #expect(outputs[1] == outputs[2], "threads, \(weight.rows) × \(weight.cols)")
            }
        }
    }
}
