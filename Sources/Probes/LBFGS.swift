/// Limited-memory BFGS (Nocedal & Wright 2006, Algorithm 7.4/7.5) with a backtracking Armijo line search.
/// Used for the logistic probe, Platt scaling and TTPD's 2-D classifier; all objectives here are smooth and convex.
struct LBFGS {
    /// Outcome of a minimisation.
    struct Result {
        var x: [Double]
        var value: Double
        var iterations: Int
        var converged: Bool
        var gradientNorm: Double
        var evaluations: Int = 0
    }

    var memory = 10
    /// Stop when max |gradient| falls below this.
    var gradientTolerance = 1e-6
    /// Or when the relative decrease of f falls below this (scipy's factr·eps).
    var relativeTolerance = 2.2e-12
    var maxIterations = 1000
    /// Optional v ← M⁻¹ v for an approximate Hessian M: the initial inverse-Hessian guess becomes γ·M⁻¹ instead of
    /// γ·I (preconditioned L-BFGS, Nocedal & Wright 2006 §7.2), γ = sᵀy / yᵀM⁻¹y from the newest pair.
    var preconditioner: ((inout [Double]) -> Void)?

    /// Minimises `f` from `x0`; `f` returns the value and writes the gradient into its second argument.
    func minimize(_ x0: [Double], _ objective: (_ x: [Double], _ grad: inout [Double]) -> Double) -> Result {
        var evaluations = 0
        func f(_ x: [Double], _ g: inout [Double]) -> Double { evaluations += 1; return objective(x, &g) }
        var result = run(x0, f)
        result.evaluations = evaluations
        return result
    }

    private func run(_ x0: [Double], _ f: (_ x: [Double], _ grad: inout [Double]) -> Double) -> Result {
        let n = x0.count, m = memory
        var x = x0
        var g = [Double](repeating: 0, count: n)
        var fx = f(x, &g)
        // History ring buffers: s_k = x_{k+1} − x_k and y_k = g_{k+1} − g_k, `m` rows of `n`.
        var sHist = [Double](repeating: 0, count: m * n), yHist = sHist
        var rho = [Double](repeating: 0, count: m), alphas = rho
        var stored = 0, newest = -1
        var scaledPreconditioner = 1.0  // γ for the preconditioned guess: sᵀy / yᵀM⁻¹y of the newest pair
        var work = [Double](repeating: 0, count: preconditioner == nil ? 0 : n)
        var iteration = 0
        var gNorm = maxAbs(g)
        if !fx.isFinite { return Result(x: x, value: fx, iterations: 0, converged: false, gradientNorm: gNorm) }
        var xNew = x, gNew = g, q = g
        while iteration < maxIterations {
            if gNorm <= gradientTolerance {
                return Result(x: x, value: fx, iterations: iteration, converged: true, gradientNorm: gNorm)
            }
            // Two-loop recursion: q = −H·g.
            q = g
            for k in 0..<stored {
                let slot = (newest - k + m) % m
                let a = LinearAlgebra.dot(sHist, row: slot, width: n, q) * rho[slot]
                alphas[slot] = a
                LinearAlgebra.axpy(-a, yHist, row: slot, width: n, &q)
            }
            if let precondition = preconditioner {
                precondition(&q)
                if stored > 0 { LinearAlgebra.scale(&q, by: scaledPreconditioner) }
            } else {
                var gamma = 1 / max(gNorm, 1)
                if stored > 0 {
                    gamma =
                        LinearAlgebra.dot(sHist, row: newest, width: n, yHist, row: newest)
                        / LinearAlgebra.dot(yHist, row: newest, width: n, yHist, row: newest)
                }
                LinearAlgebra.scale(&q, by: gamma)
            }
            for k in stride(from: stored - 1, through: 0, by: -1) {
                let slot = (newest - k + m) % m
                let b = LinearAlgebra.dot(yHist, row: slot, width: n, q) * rho[slot]
                LinearAlgebra.axpy(alphas[slot] - b, sHist, row: slot, width: n, &q)
            }
            LinearAlgebra.scale(&q, by: -1)
            var slope = LinearAlgebra.dot(q, g)
            if slope >= 0 {  // Not a descent direction: restart from (preconditioned) steepest descent.
                stored = 0
                q = g
                if let precondition = preconditioner {
                    precondition(&q)
                    LinearAlgebra.scale(&q, by: -1)
                } else {
                    LinearAlgebra.scale(&q, by: -1 / max(gNorm, 1))
                }
                slope = LinearAlgebra.dot(q, g)
            }
            // Backtracking line search (Armijo, c1 = 1e-4).
            var step = 1.0
            var fNew = 0.0
            var accepted = false
            for _ in 0..<40 {
                for j in 0..<n { xNew[j] = x[j] + step * q[j] }
                fNew = f(xNew, &gNew)
                if fNew.isFinite && fNew <= fx + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            iteration += 1
            if !accepted {
                // No progress possible at this precision: we are at the minimum to rounding.
                return Result(
                    x: x, value: fx, iterations: iteration, converged: gNorm <= gradientTolerance * 1e3,
                    gradientNorm: gNorm)
            }
            var sy = 0.0, ss = 0.0, yy = 0.0
            for j in 0..<n {
                let sj = xNew[j] - x[j], yj = gNew[j] - g[j]
                sy += sj * yj; ss += sj * sj; yy += yj * yj
            }
            if sy > 1e-12 * (ss * yy).squareRoot() {
                newest = (newest + 1) % m
                for j in 0..<n { sHist[newest * n + j] = xNew[j] - x[j]; yHist[newest * n + j] = gNew[j] - g[j] }
                rho[newest] = 1 / sy
                stored = min(stored + 1, m)
                if let precondition = preconditioner {
                    var yMy = 0.0
                    for j in 0..<n { work[j] = gNew[j] - g[j] }
                    precondition(&work)
                    for j in 0..<n { yMy += work[j] * (gNew[j] - g[j]) }
                    scaledPreconditioner = yMy > 0 ? sy / yMy : 1
                }
            }
            let decrease = (fx - fNew) / max(abs(fx), abs(fNew), 1)
            swap(&x, &xNew); swap(&g, &gNew)
            fx = fNew
            gNorm = maxAbs(g)
            if decrease <= relativeTolerance {
                return Result(x: x, value: fx, iterations: iteration, converged: true, gradientNorm: gNorm)
            }
        }
        return Result(
            x: x, value: fx, iterations: iteration, converged: gNorm <= gradientTolerance, gradientNorm: gNorm)
    }

    private func maxAbs(_ a: [Double]) -> Double { a.reduce(0) { max($0, abs($1)) } }
}
