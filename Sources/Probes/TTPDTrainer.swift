/// TTPD (Bürger, Hamprecht & Nadler 2024, "Truth is Universal"): learn a general truth direction t_G by regressing
/// per-source-centred activations on [t, t·p] (t = ±1 truth, p = ±1 polarity), a polarity direction by logistic
/// regression on the polarity labels, then a logistic classifier on the 2-D projection onto (t_G, polarity).
enum TTPDTrainer {
    static func train(_ data: ProbeDataset, options: ProbeTrainingOptions) throws -> ProbeModel {
        guard let polarity = data.polarity else {
            throw ProbeError.missingPolarity(
                hint: "Hint: capture a dataset whose CSV has a `polarity` column "
                    + "(e.g. cities + neg_cities), or use --probe logistic.")
        }
        try data.requireBothClasses("ttpd probe")
        let n = data.count, d = data.dims
        let affirmative = polarity.filter { $0 > 0 }.count
        guard affirmative > 0, affirmative < n else {
            throw ProbeError.missingPolarity(
                hint: "All \(n) rows have the same polarity; TTPD needs both affirmative "
                    + "and negated statements. Hint: add the negated dataset (e.g. neg_cities).")
        }
        let norm = try Standardizer(fitting: data, centerOnly: true)
        let x = data.rows.standardized(norm)  // [n, d], centred on the overall mean; read chunk by chunk

        // Per-source centring for the regression (each topic's mean removed): one pass for the source means.
        var sourceIDs: [String: Int] = [:]
        var source: [Int] = []  // source id per row
        for s in data.sources {
            if sourceIDs[s] == nil { sourceIDs[s] = sourceIDs.count }
            source.append(sourceIDs[s]!)
        }
        var mu = [Double](repeating: 0, count: sourceIDs.count * d)  // [sources, d]
        var members = [Int](repeating: 0, count: sourceIDs.count)
        try x.forEachChunk { chunk in
            for k in 0..<chunk.count {
                let s = source[chunk.row(k)]
                members[s] += 1
                LinearAlgebra.accumulate(chunk.x + k * d, count: d, into: &mu, at: s * d)
            }
        }
        let muF = (0..<sourceIDs.count).map { s in (0..<d).map { Float(mu[s * d + $0] / Double(members[s])) } }
        // OLS: D[2, d] = (XᵀX)⁻¹ Xᵀ Ã with X = [t, t·p]  [n, 2], Ã the per-source-centred rows (a second pass).
        var xtx = [0.0, 0.0, 0.0, 0.0]
        var xta = [Double](repeating: 0, count: 2 * d)  // [2, d]
        for i in 0..<n {
            let t = data.labels[i] == 1 ? 1.0 : -1.0, tp = t * Double(polarity[i])
            xtx[0] += t * t; xtx[1] += t * tp; xtx[3] += tp * tp
        }
        var centred = [Float](repeating: 0, count: d)  // one row minus its source's mean
        try x.forEachChunk { chunk in
            for k in 0..<chunk.count {
                let i = chunk.row(k)
                let t = data.labels[i] == 1 ? 1.0 : -1.0, tp = t * Double(polarity[i])
                LinearAlgebra.difference(chunk.x + k * d, muF[source[i]], count: d, into: &centred)
                LinearAlgebra.accumulate(centred, scaledBy: t, into: &xta)
                LinearAlgebra.accumulate(centred, scaledBy: tp, into: &xta, at: d)
            }
        }
        xtx[2] = xtx[1]
        let det = xtx[0] * xtx[3] - xtx[1] * xtx[2]
        guard abs(det) > 1e-9 * Double(n * n) else {
            throw ProbeError.diverged(
                kind: "ttpd", detail: "truth and polarity labels are collinear; cannot separate t_G from t_P")
        }
        let truth = (0..<d).map { j in Float((xtx[3] * xta[j] - xtx[1] * xta[d + j]) / det) }

        // Polarity direction: logistic regression of polarity on standardised activations, mapped back.
        let scaler = try Standardizer(fitting: data)
        let (pw, _, _, _) = try LogisticTrainer.fit(
            data.rows.standardized(scaler), labels: polarity.map { $0 > 0 ? 1 : 0 },
            c: options.c, tolerance: options.tolerance, maxIterations: options.maxIterations)
        var polarityDirection = (0..<d).map { pw[$0] / scaler.scale[$0] }
        let pNorm = polarityDirection.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        if pNorm > 0 { polarityDirection = polarityDirection.map { Float(Double($0) / pNorm) } }
        let tNorm = truth.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard tNorm > 0, tNorm.isFinite else {
            throw ProbeError.diverged(kind: "ttpd", detail: "truth direction is zero")
        }
        let truthUnit = truth.map { Float(Double($0) / tNorm) }

        // 2-D projection and its logistic classifier (standardised in 2-D, nearly unregularised).
        var proj = [Float](repeating: 0, count: n * 2)
        try x.forEachChunk { chunk in
            for k in 0..<chunk.count {
                let i = chunk.row(k), row = chunk.x + k * d
                var a = 0.0, b = 0.0
                for j in 0..<d {
                    let v = Double(row[j]); a += v * Double(truthUnit[j]); b += v * Double(polarityDirection[j])
                }
                proj[2 * i] = Float(a); proj[2 * i + 1] = Float(b)
            }
        }
        let projData = try ProbeDataset(features: proj, dims: 2, labels: data.labels.map(Int.init))
        let projNorm = try Standardizer(fitting: projData)
        let (w2, b2, iterations, converged) = try LogisticTrainer.fit(
            projNorm.transform(projData), rows: n, dims: 2,
            labels: data.labels, c: 1e4, tolerance: options.tolerance,
            maxIterations: options.maxIterations)
        // Fold: raw = Σ_k w2_k (proj_k − m_k)/s_k + b2 = (a_t t_G + a_p p)·x + bias.
        let at = Double(w2[0]) / Double(projNorm.scale[0]), ap = Double(w2[1]) / Double(projNorm.scale[1])
        let bias = b2 - at * Double(projNorm.mean[0]) - ap * Double(projNorm.mean[1])
        let weights = (0..<d).map { Float(at * Double(truthUnit[$0]) + ap * Double(polarityDirection[$0])) }
        var params = ProbeParameters(weights: weights, bias: bias)
        params.truthDirection = truthUnit
        params.polarityDirection = polarityDirection
        params.projectionWeights = [at, ap]
        params.iterations = iterations
        params.converged = converged
        return ProbeModel(kind: .ttpd, normalization: norm, parameters: params)
    }
}
