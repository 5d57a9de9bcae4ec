/// L2-regularised logistic regression on standardised features, fitted to convergence with L-BFGS.
/// Objective (mean form of scikit-learn's): (1/n) Σ [softplus(z_i) − y_i z_i] + ‖w‖² / (2 C n), z = w·x + b.
/// Every objective evaluation is one pass over the rows, chunk by chunk, accumulating the full-batch gradient, so
/// L-BFGS is the same whether the rows sit in memory or are streamed from the file (`ActivationRows`).
enum LogisticTrainer {
    /// `emphasis`: the columns from `from` on are scaled up by `factor` after standardisation (their stored scale
    /// is divided by it), which weakens the L2 penalty on them by factor² (the hybrid probe's confidences).
    static func train(
        _ data: ProbeDataset, options: ProbeTrainingOptions, emphasis: (from: Int, factor: Double)? = nil
    ) throws -> ProbeModel {
        try data.requireBothClasses("logistic probe")
        var norm = try Standardizer(fitting: data)
        if let emphasis {
            for j in emphasis.from..<data.dims { norm.scale[j] /= Float(emphasis.factor) }
        }
        let x = data.rows.standardized(norm)
        let (w, b, iterations, converged) = try fit(
            x, labels: data.labels,
            c: options.c, tolerance: options.tolerance,
            maxIterations: options.maxIterations)
        var params = ProbeParameters(weights: w, bias: b)
        params.c = options.c
        params.iterations = iterations
        params.converged = converged
        return ProbeModel(kind: .logistic, normalization: norm, parameters: params)
    }

    /// Fits on already-normalised `x` `[rows, dims]` in memory; returns weights `[dims]`, bias, iterations, converged.
    static func fit(
        _ x: [Float], rows n: Int, dims d: Int, labels: [UInt8], c: Double, tolerance: Double,
        maxIterations: Int
    ) throws -> ([Float], Double, Int, Bool) {
        try fit(
            ActivationRows(memory: x, dims: d), labels: labels, c: c, tolerance: tolerance, maxIterations: maxIterations
        )
    }

    /// Fits on already-normalised rows `[rows, dims]`; returns weights `[dims]`, bias, iterations, converged.
    static func fit(
        _ x: ActivationRows, labels: [UInt8], c: Double, tolerance: Double,
        maxIterations: Int
    ) throws -> ([Float], Double, Int, Bool) {
        guard c > 0, c.isFinite else {
            throw ProbeError.invalidOption(name: "C", value: "\(c)", expected: "a positive number")
        }
        let n = x.count, d = x.dims
        let y = labels.map { Float($0) }
        let lambda = 1 / (c * Double(n))
        var wf = [Float](repeating: 0, count: d)
        var z = [Float](repeating: 0, count: min(n, x.chunkRows))
        var gw = [Float](repeating: 0, count: d)
        let invN = 1 / Double(n)
        var solver = LBFGS()
        solver.gradientTolerance = tolerance
        solver.maxIterations = maxIterations
        // Features are standardised (centred), as the preconditioner assumes.
        if let m = try LogisticPreconditioner(x: x, lambda: lambda) {
            solver.preconditioner = { m.apply(&$0) }
        }
        var readError: Error?
        let result = solver.minimize([Double](repeating: 0, count: d + 1)) { p, grad in
            if readError != nil { return .nan }
            for j in 0..<d { wf[j] = Float(p[j]) }
            let b = p[d]
            // One pass over X, each row read once while it sits in L1: z_i = x_i·w, r_i = σ(z_i + b) − y_i,
            // g = Σ r_i x_i / n. About 3× faster here than two BLAS sgemv calls, and deterministic.
            var loss = 0.0, gb = 0.0
            for j in 0..<d { gw[j] = 0 }
            do {
                try x.forEachChunk { chunk in
                    LinearAlgebra.fusedLogisticPass(chunk.x, rows: chunk.count, cols: d, wf, &z, &gw) { k, s in
                        let zi = Double(s) + b
                        let yi = Double(y[chunk.row(k)])
                        loss += softplus(zi) - yi * zi
                        let ri = sigmoid(zi) - yi
                        gb += ri
                        return Float(ri * invN)
                    }
                }
            } catch {
                readError = readError ?? error
                return .nan  // stops the line search; the error is thrown below
            }
            var penalty = 0.0
            for j in 0..<d {
                penalty += p[j] * p[j]
                grad[j] = Double(gw[j]) + lambda * p[j]
            }
            grad[d] = gb * invN
            return loss * invN + 0.5 * lambda * penalty
        }
        if let readError { throw readError }
        guard result.value.isFinite, result.x.allSatisfy(\.isFinite) else {
            throw ProbeError.diverged(kind: "logistic", detail: "objective became \(result.value)")
        }
        return (result.x[0..<d].map { Float($0) }, result.x[d], result.iterations, result.converged)
    }
}
