/// The inverse of the logistic objective's Hessian at w = 0, M = XᵀX / (4n) + λI (σ'(0) = 1/4), applied to L-BFGS's
/// initial inverse-Hessian guess (preconditioned L-BFGS, Nocedal & Wright 2006 §7.2). Residual-stream features are
/// strongly correlated, so plain L-BFGS needs 200–500 iterations per layer; with M it needs ~10–20 to the same
/// gradient tolerance, for one Gram matrix (ssyrk) and one Cholesky factorisation per fit.
/// Features must be centred (standardised): then the bias decouples and its Hessian entry is 1/4.
struct LogisticPreconditioner {
    private var factor: [Double]  // Cholesky factor L of M, column-major lower triangle `[d, d]` (LAPACK's layout)
    let dims: Int

    /// Factorises M for the rows `x` `[rows, dims]` (XᵀX summed chunk by chunk); nil when M is not numerically
    /// positive definite (then plain L-BFGS runs).
    init?(x: ActivationRows, lambda: Double) throws {
        let n = x.count, d = x.dims
        guard n > 0, d > 0 else { return nil }
        var gram = [Float](repeating: 0, count: d * d)
        var first = true
        try x.forEachChunk { chunk in
            // XᵀX [d, d], LAPACK's lower triangle; later chunks add to it.
            LinearAlgebra.gramUpper(chunk.x, rows: chunk.count, cols: d, &gram, beta: first ? 0 : 1)
            first = false
        }
        var a = [Double](repeating: 0, count: d * d)
        let scale = 1 / (4 * Double(n))
        for i in 0..<(d * d) { a[i] = Double(gram[i]) * scale }
        for j in 0..<d { a[j * d + j] += lambda }
        guard LinearAlgebra.choleskyFactor(&a, n: d) else { return nil }
        factor = a; dims = d
    }

    /// v ← M⁻¹ v for the weights (first `dims` entries) and v ← 4 v for the bias (entry `dims`).
    func apply(_ v: inout [Double]) {
        LinearAlgebra.choleskySolve(factor: factor, n: dims, &v)  // L z = v, then Lᵀ v = z
        v[dims] *= 4
    }
}
