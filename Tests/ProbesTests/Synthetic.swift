import Hooks
@testable import Probes

/// Synthetic activations: Gaussian noise plus a planted truth direction (and optionally a polarity-flipped one).
enum Synthetic {
    /// The unit truth direction `dataset(d:seed:)` plants (the first d draws of its generator).
    static func plantedDirection(d: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        let v = (0..<d).map { _ in rng.gaussian() }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / norm }
    }

    /// `[n, d]` rows; true rows are shifted by +separation/2 along `direction`, false rows by −separation/2.
    /// With `negatedFraction`, negated rows get their truth signal along a second direction with flipped sign too,
    /// as in the TTPD model (a = μ + t·t_G + t·p·t_P + noise).
    static func dataset(
        n: Int, d: Int, separation: Double = 3, seed: UInt64 = 1, negatedFraction: Double = 0,
        groups: Int? = nil, source: String = "synthetic"
    ) throws -> ProbeDataset {
        var rng = SeededGenerator(seed: seed)
        var direction = (0..<d).map { _ in rng.gaussian() }
        let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
        direction = direction.map { $0 / norm }
        var polarDir = (0..<d).map { _ in rng.gaussian() }
        let pn = polarDir.reduce(0) { $0 + $1 * $1 }.squareRoot()
        polarDir = polarDir.map { $0 / pn }
        var x = [Float](), labels = [Int](), polarity = [Int](), group = [String]()
        var confidence: [String: [Float]] = [:]  // the model's own confidence: a weak signal, so every kind can train
        for i in 0..<n {
            let y = i % 2
            let negated = rng.nextUnit() < negatedFraction
            let t = y == 1 ? 1.0 : -1.0, p = negated ? -1.0 : 1.0
            for j in 0..<d {
                var v = rng.gaussian() + 0.5 * Double(j % 7)
                v += t * separation / 2 * (negatedFraction > 0 ? 0.5 : 1) * direction[j]
                if negatedFraction > 0 {
                    v += t * p * separation / 2 * 1.5 * polarDir[j]  // polarity-sensitive truth
                    v += p * 2 * polarDir[(j + 1) % d]  // a polarity signal
                }
                x.append(Float(v))
            }
            for column in ["mean_logprob", "min_logprob", "mean_entropy", "mean_margin"] {
                confidence[column, default: []].append(
                    Float(0.3 * t * (column == "mean_entropy" ? -1 : 1) + rng.gaussian()))
            }
            labels.append(y)
            polarity.append(negated ? -1 : 1)
            if let groups { group.append("g\(i % groups)") }
        }
        return try ProbeDataset(
            features: x, dims: d, labels: labels, groups: groups == nil ? nil : group,
            polarity: negatedFraction > 0 ? polarity : nil,
            sources: Array(repeating: source, count: n), confidence: confidence, sourceName: source)
    }
}
