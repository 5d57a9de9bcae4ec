import BLASSupport
import CBLAS

// Whole-array forms of the LinearAlgebra kernels, so that trainers and scorers name shapes, not pointers: each makes
// exactly the BLAS call (or runs exactly the loop) its pointer form does, so results are bit for bit the same.
// A row-chunk operand (`RowChunk.x`) stays a pointer: those rows live in the chunk's buffer, not in an array.
extension LinearAlgebra {
    /// y[m] = A[m, n] · x[n]  (+ beta·y)
    static func gemv(_ a: [Float], rows m: Int, cols n: Int, _ x: [Float], _ y: inout [Float], beta: Float = 0) {
        precondition(a.count >= m * n && x.count >= n && y.count >= m, "gemv: arrays smaller than their shapes")
        a.withUnsafeBufferPointer { a in gemv(a.baseAddress!, rows: m, cols: n, x, &y, beta: beta) }
    }

    /// y[m] = A[m, n] · x[n]  (+ beta·y), for A in a row chunk.
    static func gemv(
        _ a: UnsafePointer<Float>, rows m: Int, cols n: Int, _ x: [Float], _ y: inout [Float], beta: Float = 0
    ) {
        precondition(x.count >= n && y.count >= m, "gemv: arrays smaller than their shapes")
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                gemv(a, rows: m, cols: n, x.baseAddress!, y.baseAddress!, beta: beta)
            }
        }
    }

    /// C[m, n] = alpha · op(A) · op(B) + beta · C (shapes as in the pointer form).
    static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, _ a: [Float], _ b: [Float],
        _ c: inout [Float], alpha: Float = 1, beta: Float = 0
    ) {
        precondition(a.count >= m * k, "gemm: A smaller than its shape")
        a.withUnsafeBufferPointer { a in
            gemm(
                transA: transA, transB: transB, m: m, n: n, k: k, a.baseAddress!, b, &c, alpha: alpha, beta: beta)
        }
    }

    /// C[m, n] = alpha · op(A) · op(B) + beta · C, for A in a row chunk (or any buffer of `m × k` floats).
    static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, _ b: [Float],
        _ c: inout [Float], alpha: Float = 1, beta: Float = 0
    ) {
        precondition(b.count >= k * n && c.count >= m * n, "gemm: B or C smaller than its shape")
        b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                gemm(
                    transA: transA, transB: transB, m: m, n: n, k: k, a, b.baseAddress!, c.baseAddress!,
                    alpha: alpha, beta: beta)
            }
        }
    }

    /// C[n, n] upper triangle = Aᵀ A (+ beta·C) for the row chunk A [m, n] (see the pointer form).
    static func gramUpper(_ a: UnsafePointer<Float>, rows m: Int, cols n: Int, _ c: inout [Float], beta: Float = 0) {
        precondition(c.count >= n * n, "gramUpper: C smaller than its shape")
        c.withUnsafeMutableBufferPointer { c in gramUpper(a, rows: m, cols: n, c.baseAddress!, beta: beta) }
    }

    /// The dot product of `a` and the first `a.count` entries of `b`, as the pointer form computes it.
    static func dot(_ a: UnsafeBufferPointer<Float>, _ b: [Float]) -> Double {
        precondition(b.count >= a.count, "dot: b shorter than a")
        guard let base = a.baseAddress else { return 0 }
        return b.withUnsafeBufferPointer { dot(base, $0.baseAddress!, count: a.count) }
    }

    /// sum[offset + j] += Double(row[j]) for j in 0..<count, in order (class and source sums over row chunks).
    static func accumulate(_ row: UnsafePointer<Float>, count: Int, into sum: inout [Double], at offset: Int = 0) {
        precondition(sum.count >= offset + count, "accumulate: sum shorter than the row")
        sum.withUnsafeMutableBufferPointer { s in
            for j in 0..<count { s[offset + j] += Double(row[j]) }
        }
    }

    /// out[offset + j] = a[j] − b[j] for j in 0..<count (a row centred on a mean).
    static func difference(
        _ a: UnsafePointer<Float>, _ b: [Float], count: Int, into out: inout [Float], at offset: Int = 0
    ) {
        precondition(b.count >= count && out.count >= offset + count, "difference: arrays shorter than the row")
        b.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in for j in 0..<count { o[offset + j] = a[j] - b[j] } }
        }
    }

    /// sum[j] += Double(row[j]) and squares[j] += Double(row[j])² for j in 0..<count, in order.
    static func accumulateWithSquares(
        _ row: UnsafePointer<Float>, count: Int, into sum: inout [Double], squares: inout [Double]
    ) {
        precondition(sum.count >= count && squares.count >= count, "accumulate: sums shorter than the row")
        sum.withUnsafeMutableBufferPointer { s in
            squares.withUnsafeMutableBufferPointer { q in
                for j in 0..<count {
                    let v = Double(row[j])
                    s[j] += v
                    q[j] += v * v
                }
            }
        }
    }

    /// sum[i] += Double(x[i]) for every i (a float partial result added to a double total).
    static func accumulate(_ x: [Float], into sum: inout [Double]) {
        precondition(sum.count >= x.count, "accumulate: sum shorter than x")
        x.withUnsafeBufferPointer { x in
            sum.withUnsafeMutableBufferPointer { s in for i in 0..<x.count { s[i] += Double(x[i]) } }
        }
    }

    /// sum[offset + j] += alpha · Double(x[j]) for every j, in order.
    static func accumulate(_ x: [Float], scaledBy alpha: Double, into sum: inout [Double], at offset: Int = 0) {
        precondition(sum.count >= offset + x.count, "accumulate: sum shorter than x")
        x.withUnsafeBufferPointer { x in
            sum.withUnsafeMutableBufferPointer { s in for j in 0..<x.count { s[offset + j] += alpha * Double(x[j]) } }
        }
    }

    /// One fused logistic pass (see the pointer form) with the weights, scores and gradient in arrays.
    static func fusedLogisticPass(
        _ x: UnsafePointer<Float>, rows: Int, cols: Int, _ w: [Float], _ z: inout [Float], _ g: inout [Float],
        residual: (Int, Float) -> Float
    ) {
        precondition(w.count >= cols && z.count >= rows && g.count >= cols, "fusedLogisticPass: arrays too small")
        w.withUnsafeBufferPointer { w in
            z.withUnsafeMutableBufferPointer { z in
                g.withUnsafeMutableBufferPointer { g in
                    fusedLogisticPass(
                        x, rows: rows, cols: cols, w.baseAddress!, z.baseAddress!, g.baseAddress!, residual: residual)
                }
            }
        }
    }

    /// Cholesky factorisation in place of the symmetric positive-definite `a` `[n, n]` (double, column-major lower
    /// triangle, LAPACK's dpotrf). False when `a` is not numerically positive definite.
    static func choleskyFactor(_ a: inout [Double], n: Int) -> Bool {
        precondition(a.count >= n * n, "choleskyFactor: a smaller than its shape")
        var order = Int32(n), lda = Int32(n), info: Int32 = 0
        BLASRuntime.configure()
        a.withUnsafeMutableBufferPointer { dpotrf_("L", &order, $0.baseAddress!, &lda, &info) }
        return info == 0
    }

    /// v[0..<n] ← (L Lᵀ)⁻¹ v for the Cholesky factor `l` of `choleskyFactor` (two triangular solves).
    static func choleskySolve(factor l: [Double], n: Int, _ v: inout [Double]) {
        precondition(l.count >= n * n && v.count >= n, "choleskySolve: arrays smaller than their shapes")
        BLASRuntime.configure()
        l.withUnsafeBufferPointer { l in
            v.withUnsafeMutableBufferPointer { v in
                cblas_dtrsv(
                    CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, Int32(n), l.baseAddress!, Int32(n),
                    v.baseAddress!, 1)
                cblas_dtrsv(
                    CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, Int32(n), l.baseAddress!, Int32(n),
                    v.baseAddress!, 1)
            }
        }
    }

    // Double-precision vector steps of the L-BFGS two-loop recursion: plain loops in index order, so that the
    // solver's results are the same to the bit as the loops they replace.

    /// Σ_j a[row·width + j] · b[j] over j in 0..<width, summed in order.
    static func dot(_ a: [Double], row: Int, width: Int, _ b: [Double]) -> Double {
        precondition(a.count >= (row + 1) * width && b.count >= width, "dot: arrays smaller than their shapes")
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var s = 0.0
                for j in 0..<width { s += a[row * width + j] * b[j] }
                return s
            }
        }
    }

    /// Σ_j a[rowA·width + j] · b[rowB·width + j] over j in 0..<width, summed in order.
    static func dot(_ a: [Double], row rowA: Int, width: Int, _ b: [Double], row rowB: Int) -> Double {
        precondition(
            a.count >= (rowA + 1) * width && b.count >= (rowB + 1) * width, "dot: arrays smaller than their shapes")
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var s = 0.0
                for j in 0..<width { s += a[rowA * width + j] * b[rowB * width + j] }
                return s
            }
        }
    }

    /// Σ_j a[j] · b[j], summed in order.
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        precondition(b.count >= a.count, "dot: b shorter than a")
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var s = 0.0
                for j in 0..<a.count { s += a[j] * b[j] }
                return s
            }
        }
    }

    /// y[j] += alpha · x[row·width + j] for j in 0..<width.
    static func axpy(_ alpha: Double, _ x: [Double], row: Int, width: Int, _ y: inout [Double]) {
        precondition(x.count >= (row + 1) * width && y.count >= width, "axpy: arrays smaller than their shapes")
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in for j in 0..<width { y[j] += alpha * x[row * width + j] } }
        }
    }

    /// y[j] *= factor for every j.
    static func scale(_ y: inout [Double], by factor: Double) {
        y.withUnsafeMutableBufferPointer { y in for j in 0..<y.count { y[j] *= factor } }
    }

    // Row copies between row-major float arrays (subsets, joined hooks, chunks put back in place).

    /// The rows `indices` of `x` `[_, dims]`, in that order.
    static func gatherRows(_ x: [Float], _ indices: [Int], dims: Int) -> [Float] {
        var out = [Float](repeating: 0, count: indices.count * dims)
        x.withUnsafeBufferPointer { src in
            placeRows(indices.count, width: dims, into: &out, stride: dims) { k in
                precondition(indices[k] >= 0 && (indices[k] + 1) * dims <= src.count, "gatherRows: row out of range")
                return src.baseAddress! + indices[k] * dims
            }
        }
        return out
    }

    /// Copies `rows` rows of `width` floats into `out` `[_, stride]`: row r comes from `source(r)` and goes to row
    /// `at(r)`, columns `column ..< column + width` (a hook's columns of joined rows, a chunk's rows back in place).
    static func placeRows(
        _ rows: Int, width: Int, into out: inout [Float], stride: Int, column: Int = 0, at: (Int) -> Int = { $0 },
        source: (Int) -> UnsafePointer<Float>
    ) {
        precondition(column >= 0 && column + width <= stride, "placeRows: columns outside the row")
        out.withUnsafeMutableBufferPointer { dst in
            for r in 0..<rows {
                let row = at(r)
                precondition(row >= 0 && (row + 1) * stride <= dst.count, "placeRows: row outside the array")
                (dst.baseAddress! + row * stride + column).update(from: source(r), count: width)
            }
        }
    }

    /// `placeRows` from the row-major `src` `[rows, width]`.
    static func placeRows(_ src: [Float], width: Int, into out: inout [Float], stride: Int, column: Int = 0) {
        let rows = width > 0 ? src.count / width : 0
        src.withUnsafeBufferPointer { src in
            placeRows(rows, width: width, into: &out, stride: stride, column: column) { src.baseAddress! + $0 * width }
        }
    }
}
