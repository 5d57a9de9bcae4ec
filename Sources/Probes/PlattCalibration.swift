/// Platt scaling (Platt 1999): P(true) = σ(a·raw + b), fitted by maximum likelihood with Platt's smoothed targets
/// on held-out scores. Stored under the artifact's `calibration`.
public struct PlattCalibration: Codable, Sendable, Equatable {
    public var method: String = "platt"
    public var a: Double
    public var b: Double
    /// "calibration" (a held-out split) or "train" (the training rows, when no split was set aside).
    public var fittedOn: String
    /// Rows the calibration was fitted on.
    public var n: Int

    enum CodingKeys: String, CodingKey { case method, a, b, fittedOn = "fitted_on", n }

    public init(a: Double, b: Double, fittedOn: String, n: Int) {
        self.a = a; self.b = b; self.fittedOn = fittedOn; self.n = n
    }

    /// Fits a and b on raw `scores` and `labels` (both classes needed).
    public init(fitting scores: [Double], labels: [UInt8], fittedOn: String) throws {
        let pos = labels.reduce(0) { $0 + Int($1) }, neg = labels.count - pos
        guard pos > 0, neg > 0 else {
            throw ProbeError.singleClass(label: pos > 0 ? 1 : 0, count: labels.count, context: "calibration split")
        }
        // Platt's targets avoid over-confident fits on separable data.
        let hi = (Double(pos) + 1) / (Double(pos) + 2), lo = 1 / (Double(neg) + 2)
        let targets = labels.map { $0 == 1 ? hi : lo }
        // Fit on standardised scores for conditioning, then fold back.
        let mean = scores.reduce(0, +) / Double(scores.count)
        let sd = max((scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(scores.count)).squareRoot(), 1e-12)
        let s = scores.map { ($0 - mean) / sd }
        var solver = LBFGS()
        solver.gradientTolerance = 1e-9
        let inv = 1 / Double(s.count)
        let result = solver.minimize([1, 0]) { p, g in
            var loss = 0.0, ga = 0.0, gb = 0.0
            for i in s.indices {
                let z = p[0] * s[i] + p[1]
                loss += softplus(z) - targets[i] * z
                let r = sigmoid(z) - targets[i]
                ga += r * s[i]; gb += r
            }
            g[0] = ga * inv; g[1] = gb * inv
            return loss * inv
        }
        let a = result.x[0] / sd, b = result.x[1] - result.x[0] * mean / sd
        guard a.isFinite, b.isFinite else { throw ProbeError.diverged(kind: "platt", detail: "a=\(a) b=\(b)") }
        self.init(a: a, b: b, fittedOn: fittedOn, n: scores.count)
    }

    /// Calibrated P(true) for a raw score.
    @inline(__always) public func probability(_ raw: Double) -> Double { sigmoid(a * raw + b) }
}

/// The two cut-offs on calibrated P(true) that turn a score into a flag, and how they were chosen.
public struct FlagThresholds: Codable, Sendable, Equatable {
    /// P ≥ uncertain → ok.
    public var uncertain: Double
    /// P < likelyFalse → likely_false; in between → uncertain.
    public var likelyFalse: Double

    enum CodingKeys: String, CodingKey { case uncertain, likelyFalse = "likely_false" }

    public init(uncertain: Double, likelyFalse: Double) { self.uncertain = uncertain; self.likelyFalse = likelyFalse }

    /// Chooses thresholds on held-out calibrated probabilities:
    /// `uncertain` is the lowest P at which at most `maxFalseOK` of false statements pass as ok;
    /// `likelyFalse` is the highest P at which at most `maxTrueFlagged` of true statements are flagged likely_false
    /// (never above `uncertain`).
    public init(choosingOn probabilities: [Double], labels: [UInt8], maxFalseOK: Double, maxTrueFlagged: Double) {
        let okCut = ProbeMetrics.threshold(atFalsePositiveRate: maxFalseOK, scores: probabilities, labels: labels)
        // For true statements flagged: mirror the problem (score −P, label flipped).
        let flipped = labels.map { UInt8(1 - $0) }
        let lfCut = -ProbeMetrics.threshold(
            atFalsePositiveRate: maxTrueFlagged, scores: probabilities.map { -$0 }, labels: flipped)
        let u = min(max(okCut, 0), 1)
        // −threshold gives "flag if −P ≥ t", i.e. P ≤ −t; likely_false uses P < cut, so step just above.
        var lf = min(max(lfCut.nextUp, 0), 1)
        if lf > u { lf = u }
        self.init(uncertain: u, likelyFalse: lf)
    }
}
