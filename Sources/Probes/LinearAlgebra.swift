import BLASSupport
import CBLAS

/// Thin wrappers over CBLAS for the row-major float matrices the probes use. Shapes in each signature.
/// Every wrapper first makes sure OpenBLAS's core was chosen (`BLASRuntime`): no BLAS call may precede that.
enum LinearAlgebra {
    /// y[m] = A[m, n] · x[n]  (+ beta·y)
    static func gemv(
        _ a: UnsafePointer<Float>, rows m: Int, cols n: Int, _ x: UnsafePointer<Float>,
        _ y: UnsafeMutablePointer<Float>, beta: Float = 0
    ) {
        BLASRuntime.configure()
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), 1, a, Int32(n), x, 1, beta, y, 1)
    }

    /// y[n] = A[m, n]ᵀ · x[m]  (+ beta·y)
    static func gemvT(
        _ a: UnsafePointer<Float>, rows m: Int, cols n: Int, _ x: UnsafePointer<Float>,
        _ y: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0
    ) {
        BLASRuntime.configure()
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(m), Int32(n), alpha, a, Int32(n), x, 1, beta, y, 1)
    }

    /// C[m, n] = alpha · op(A) · op(B) + beta · C, with op = transpose when the flag is set.
    /// A is [m, k] (or [k, m] if transA), B is [k, n] (or [n, k] if transB).
    static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        alpha: Float = 1, beta: Float = 0
    ) {
        BLASRuntime.configure()
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(transA ? m : k), b, Int32(transB ? k : n),
            beta, c, Int32(n))
    }

    /// C[n, n] = Aᵀ A for A [m, n]; only the upper triangle of the row-major C (= the lower triangle column-major)
    /// is written. `beta` 1 adds to C (a Gram matrix summed over row chunks).
    static func gramUpper(
        _ a: UnsafePointer<Float>, rows m: Int, cols n: Int, _ c: UnsafeMutablePointer<Float>, beta: Float = 0
    ) {
        BLASRuntime.configure()
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(m), 1, a, Int32(n), beta, c, Int32(n))
    }

    /// Dot product in double precision, sequential (deterministic).
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var i = 0
        while i + 4 <= count {
            s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]
            i += 4
        }
        var s = Double(s0) + Double(s1) + Double(s2) + Double(s3)
        while i < count { s += Double(a[i] * b[i]); i += 1 }
        return s
    }

    /// Solves S x = b for a symmetric positive-definite S [n, n] (row-major, double) by Cholesky.
    /// Returns nil when S is not positive definite.
    static func choleskySolve(_ s: [Double], n: Int, _ b: [Double]) -> [Double]? {
        var l = s
        for j in 0..<n {
            var d = l[j * n + j]
            for k in 0..<j { d -= l[j * n + k] * l[j * n + k] }
            guard d > 0, d.isFinite else { return nil }
            let root = d.squareRoot()
            l[j * n + j] = root
            for i in (j + 1)..<max(j + 1, n) {
                var v = l[i * n + j]
                for k in 0..<j { v -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = v / root
            }
        }
        var y = b
        for i in 0..<n {
            var v = y[i]
            for k in 0..<i { v -= l[i * n + k] * y[k] }
            y[i] = v / l[i * n + i]
        }
        var x = y
        for i in stride(from: n - 1, through: 0, by: -1) {
            var v = x[i]
            for k in (i + 1)..<max(i + 1, n) { v -= l[k * n + i] * x[k] }
            x[i] = v / l[i * n + i]
        }
        return x
    }
}

/// Logistic function, safe for large |z|.
@inline(__always) func sigmoid(_ z: Double) -> Double {
    if z >= 0 { return 1 / (1 + _exp(-z)) }
    let e = _exp(z)
    return e / (1 + e)
}

/// log(1 + exp(z)) without overflow.
@inline(__always) func softplus(_ z: Double) -> Double {
    z > 0 ? z + _log1p(_exp(-z)) : _log1p(_exp(z))
}

import Foundation
@inline(__always) func _exp(_ x: Double) -> Double { Foundation.exp(x) }
@inline(__always) func _log1p(_ x: Double) -> Double { Foundation.log1p(x) }

extension LinearAlgebra {
    /// One pass over X `[rows, cols]` (each row read once, while it is in L1): z_i = x_i·w, r_i = residual(i, z_i),
    /// g += Σ_i r_i x_i  `[cols]` (the caller zeroes g before the first chunk of a pass). Sequential and deterministic.
    /// `cols` should be a multiple of 8 for full speed.
    static func fusedLogisticPass(
        _ x: UnsafePointer<Float>, rows: Int, cols: Int, _ w: UnsafePointer<Float>,
        _ z: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
        residual: (Int, Float) -> Float
    ) {
        let vec = cols / 8 * 8
        let wv = UnsafeRawPointer(w), gv = UnsafeMutableRawPointer(g)
        for i in 0..<rows {
            let row = x + i * cols
            let rv = UnsafeRawPointer(row)
            var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
            var j = 0
            while j + 16 <= vec {
                acc0 +=
                    rv.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                    * wv.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                acc1 +=
                    rv.loadUnaligned(fromByteOffset: (j + 8) * 4, as: SIMD8<Float>.self)
                    * wv.loadUnaligned(fromByteOffset: (j + 8) * 4, as: SIMD8<Float>.self)
                j += 16
            }
            while j < vec {
                acc0 +=
                    rv.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                    * wv.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                j += 8
            }
            var s = (acc0 + acc1).sum()
            while j < cols { s += row[j] * w[j]; j += 1 }
            z[i] = s
            let r = residual(i, s)
            let rs = SIMD8<Float>(repeating: r)
            j = 0
            while j < vec {
                let gj = gv.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                gv.storeBytes(
                    of: gj + rs * rv.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self), toByteOffset: j * 4,
                    as: SIMD8<Float>.self)
                j += 8
            }
            while j < cols { g[j] += r * row[j]; j += 1 }
        }
    }
}
