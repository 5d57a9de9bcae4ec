/// Mass-mean probe (Marks & Tegmark 2023): θ = μ₊ − μ₋, score θ·(x − midpoint); the covariance-corrected
/// variant uses Σ⁻¹θ with Σ the covariance of the class-centred activations (plus a small ridge).
enum MassMeanTrainer {
    /// Class sums and the within-class covariance are accumulated over row chunks (exact up to summation order).
    static func train(_ data: ProbeDataset, covarianceCorrected: Bool, options: ProbeTrainingOptions) throws
        -> ProbeModel
    {
        try data.requireBothClasses("mass-mean probe")
        let n = data.count, d = data.dims
        var sumT = [Double](repeating: 0, count: d), sumF = [Double](repeating: 0, count: d)
        try data.rows.forEachChunk { chunk in
            for k in 0..<chunk.count {
                if data.labels[chunk.row(k)] == 1 {
                    LinearAlgebra.accumulate(chunk.x + k * d, count: d, into: &sumT)
                } else {
                    LinearAlgebra.accumulate(chunk.x + k * d, count: d, into: &sumF)
                }
            }
        }
        let nT = Double(data.positives), nF = Double(data.negatives)
        let muT = sumT.map { $0 / nT }, muF = sumF.map { $0 / nF }
        let theta = (0..<d).map { muT[$0] - muF[$0] }
        let midpoint = (0..<d).map { Float((muT[$0] + muF[$0]) / 2) }
        var direction = theta
        if covarianceCorrected {
            // Σ = (1/n) Σ_i (x_i − μ_{y_i})(x_i − μ_{y_i})ᵀ  [d, d], summed chunk by chunk (in double across chunks)
            let muTf = muT.map { Float($0) }, muFf = muF.map { Float($0) }
            var sigma = [Double](repeating: 0, count: d * d)
            var cov = [Float](repeating: 0, count: d * d)
            var centred = [Float](repeating: 0, count: min(n, data.rows.chunkRows) * d)
            try data.rows.forEachChunk { chunk in
                for k in 0..<chunk.count {
                    let mu = data.labels[chunk.row(k)] == 1 ? muTf : muFf
                    LinearAlgebra.difference(chunk.x + k * d, mu, count: d, into: &centred, at: k * d)
                }
                LinearAlgebra.gemm(
                    transA: true, m: d, n: d, k: chunk.count, centred, centred, &cov, alpha: Float(1 / Double(n)))
                LinearAlgebra.accumulate(cov, into: &sigma)
            }
            var trace = 0.0
            for j in 0..<d { trace += sigma[j * d + j] }
            let ridge = max(options.covarianceRidge * trace / Double(d), 1e-8)
            for j in 0..<d { sigma[j * d + j] += ridge }
            guard let solved = LinearAlgebra.choleskySolve(sigma, n: d, theta) else {
                throw ProbeError.diverged(
                    kind: "mass-mean-iid", detail: "within-class covariance is not positive definite")
            }
            direction = solved
        }
        let w = direction.map { Float($0) }
        guard w.allSatisfy(\.isFinite), w.contains(where: { $0 != 0 }) else {
            throw ProbeError.diverged(kind: "mass-mean", detail: "class means coincide; no direction separates them")
        }
        var params = ProbeParameters(weights: w, bias: 0)
        params.variant = covarianceCorrected ? "covariance_corrected" : "plain"
        // Normalisation centres on the midpoint between the class means, so the threshold sits at raw score 0.
        let norm = Standardizer(mean: midpoint, scale: Array(repeating: 1, count: d))
        return ProbeModel(kind: covarianceCorrected ? .massMeanIID : .massMean, normalization: norm, parameters: params)
    }
}
