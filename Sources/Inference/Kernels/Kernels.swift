import CBLAS
import Foundation

/// Small numeric kernels of the forward pass. Matrices are row-major; weights follow the GGUF layout
/// `W[N, K]` (N output rows of K inputs), so a linear layer is `Y[M, N] = X[M, K] · Wᵀ`.
enum Kernels {
    /// `y[M, N] = x[M, K] · w[N, K]ᵀ` through OpenBLAS: sgemv for one row, sgemm otherwise. Rows of `y` are `ldy`
    /// apart (default `n`; wider when `w` is a panel of a larger matrix's rows and `y` its columns).
    static func linear(
        _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, ldy: Int? = nil
    ) {
        if m == 1 {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), 1, w, Int32(k), x, 1, 0, y, 1)
        } else {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                1, x, Int32(k), w, Int32(k), 0, y, Int32(ldy ?? n))
        }
    }

    /// RMSNorm (Zhang & Sennrich 2019): `y = x / sqrt(mean(x²) + eps) * weight`, row by row. `x, y: [rows, d]`.
    static func rmsNorm(
        _ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        rows: Int, d: Int, eps: Float
    ) {
        for r in 0..<rows {
            let xr = x + r * d, yr = y + r * d
            var sum: Float = 0
            for i in 0..<d { sum += xr[i] * xr[i] }
            let scale = 1 / (sum / Float(d) + eps).squareRoot()
            for i in 0..<d { yr[i] = (xr[i] * scale) * weight[i] }
        }
    }

    /// Inverse frequencies of rotary embeddings (Su et al. 2021, RoFormer): `base^(-2i/ropeDim)`, `[ropeDim/2]`.
    static func ropeFrequencies(base: Float, ropeDim: Int) -> [Float] {
        (0..<(ropeDim / 2)).map { i in Float(1.0 / pow(Double(base), Double(2 * i) / Double(ropeDim))) }
    }

    /// RoPE's rotation at `position`: `cos[i]`, `sin[i]` of `position · frequencies[i]`, `[frequencies.count]`.
    static func ropeAngles(
        position: Int, frequencies: [Float], cos: UnsafeMutablePointer<Float>, sin: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<frequencies.count {
            let angle = Float(position) * frequencies[i]
            cos[i] = Foundation.cos(angle)
            sin[i] = Foundation.sin(angle)
        }
    }

    /// Applies RoPE in place to `heads` heads of width `headDim` for one token, with its angles (`ropeAngles`,
    /// `half` of them). `interleaved` (GGUF llama convention) rotates pairs (2i, 2i+1); otherwise (NeoX) pairs
    /// (i, i + half).
    static func rope(
        _ v: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, half: Int, interleaved: Bool,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>
    ) {
        for h in 0..<heads {
            let p = v + h * headDim
            for i in 0..<half {
                let a = interleaved ? 2 * i : i
                let b = interleaved ? 2 * i + 1 : i + half
                let x0 = p[a], x1 = p[b]
                p[a] = x0 * cos[i] - x1 * sin[i]
                p[b] = x0 * sin[i] + x1 * cos[i]
            }
        }
    }

    /// SwiGLU (Shazeer 2020): `out = silu(gate) * up`, elementwise over `count` values.
    static func swiglu(
        _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
        count: Int
    ) {
        for i in 0..<count {
            let g = gate[i]
            out[i] = g / (1 + exp(-g)) * up[i]
        }
    }

    /// GeGLU with tanh-approximated GELU (Hendrycks & Gimpel 2016; PyTorch `gelu(approximate="tanh")`), the scalar
    /// reference for `pg_gelu_tanh_parallel` (what the model runs):
    /// `out = 0.5·g·(1 + tanh(sqrt(2/π)·(g + 0.044715·g³))) * up`, elementwise over `count` values.
    static func geluTanhGated(
        _ gate: UnsafePointer<Float>, _ up: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
        count: Int
    ) {
        let beta = Float((2 / Double.pi).squareRoot()), kappa: Float = 0.044715
        for i in 0..<count {
            let g = gate[i]
            out[i] = 0.5 * g * (1 + tanh(beta * (g + kappa * g * g * g))) * up[i]
        }
    }

    /// `x *= factor` over `count` values.
    static func scale(_ x: UnsafeMutablePointer<Float>, by factor: Float, count: Int) {
        for i in 0..<count { x[i] *= factor }
    }

    /// Numerically stable softmax of `n` values in place; returns nothing.
    static func softmax(_ x: UnsafeMutablePointer<Float>, n: Int) {
        var m = -Float.infinity
        for i in 0..<n where x[i] > m { m = x[i] }
        var s: Float = 0
        for i in 0..<n { let e = exp(x[i] - m); x[i] = e; s += e }
        let inv = 1 / s
        for i in 0..<n { x[i] *= inv }
    }

    /// `y += x` over `count` values.
    static func add(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }

    /// `y[r, i] += bias[i]` for each of `rows` rows of `width` values.
    static func addBias(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, width: Int) {
        for r in 0..<rows { add(y + r * width, bias, count: width) }
    }

    /// Dot product of two float vectors of `count` values (`count` a multiple of 8).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var i = 0
        while i + 16 <= count {
            acc0 +=
                ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            acc1 +=
                ra.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4 + 32, as: SIMD8<Float>.self)
            i += 16
        }
        while i < count {
            acc0 +=
                ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        return (acc0 + acc1).sum()
    }

    /// `y += alpha · x` over `count` values (`count` a multiple of 8).
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        let a = SIMD8<Float>(repeating: alpha)
        var i = 0
        while i < count {
            let v =
                ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                + a * rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            ry.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
    }
}
