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

    /// Minimises `f` from `x0`; `f` returns the value and writes the gradient into its second argument.
    func minimize(_ x0: [Double], _ objective: (_ x: [Double], _ grad: inout [Double]) -> Double) -> Result {
        var evaluations = 0
        func f(_ x: [Double], _ g: inout [Double]) -> Double { evaluations += 1; return objective(x, &g) }
        var result = run(x0, f)
        result.evaluations = evaluations
        return result
    }

    private func run(_ x0: [Double], _ f: (_ x: [Double], _ grad: inout [Double]) -> Double) -> Result {
        let n = x0.count
        var x = x0
        var g = [Double](repeating: 0, count: n)
        var fx = f(x, &g)
        var sList: [[Double]] = [], yList: [[Double]] = [], rhoList: [Double] = []
        var iteration = 0
        var gNorm = g.reduce(0) { max($0, abs($1)) }
        if !fx.isFinite { return Result(x: x, value: fx, iterations: 0, converged: false, gradientNorm: gNorm) }
        var xNew = x, gNew = g
        while iteration < maxIterations {
            if gNorm <= gradientTolerance { return Result(x: x, value: fx, iterations: iteration, converged: true, gradientNorm: gNorm) }
            // Two-loop recursion: direction = −H·g.
            var q = g
            var alphas = [Double](repeating: 0, count: sList.count)
            for i in stride(from: sList.count - 1, through: 0, by: -1) {
                let a = rhoList[i] * dot(sList[i], q)
                alphas[i] = a
                for j in 0..<n { q[j] -= a * yList[i][j] }
            }
            if let s = sList.last, let y = yList.last {
                let gamma = dot(s, y) / dot(y, y)
                for j in 0..<n { q[j] *= gamma }
            } else {
                let scale = 1 / max(gNorm, 1)
                for j in 0..<n { q[j] *= scale }
            }
            for i in 0..<sList.count {
                let b = rhoList[i] * dot(yList[i], q)
                for j in 0..<n { q[j] += sList[i][j] * (alphas[i] - b) }
            }
            var slope = 0.0
            for j in 0..<n { q[j] = -q[j]; slope += q[j] * g[j] }
            if slope >= 0 {  // Not a descent direction: restart from steepest descent.
                sList.removeAll(); yList.removeAll(); rhoList.removeAll()
                let scale = 1 / max(gNorm, 1)
                slope = 0
                for j in 0..<n { q[j] = -g[j] * scale; slope += q[j] * g[j] }
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
                return Result(x: x, value: fx, iterations: iteration, converged: gNorm <= gradientTolerance * 1e3, gradientNorm: gNorm)
            }
            var s = [Double](repeating: 0, count: n), y = [Double](repeating: 0, count: n)
            for j in 0..<n { s[j] = xNew[j] - x[j]; y[j] = gNew[j] - g[j] }
            let sy = dot(s, y)
            if sy > 1e-12 * dot(y, y).squareRoot() * dot(s, s).squareRoot() {
                if sList.count == memory { sList.removeFirst(); yList.removeFirst(); rhoList.removeFirst() }
                sList.append(s); yList.append(y); rhoList.append(1 / sy)
            }
            let decrease = (fx - fNew) / max(abs(fx), abs(fNew), 1)
            swap(&x, &xNew); swap(&g, &gNew)
            fx = fNew
            gNorm = g.reduce(0) { max($0, abs($1)) }
            if decrease <= relativeTolerance {
                return Result(x: x, value: fx, iterations: iteration, converged: true, gradientNorm: gNorm)
            }
        }
        return Result(x: x, value: fx, iterations: iteration, converged: gNorm <= gradientTolerance, gradientNorm: gNorm)
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in 0..<a.count { s += a[i] * b[i] }
        return s
    }
}
