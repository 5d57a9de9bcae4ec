import Foundation

/// How a probe's raw score becomes P(true), stored under the artifact's `calibration`: Platt scaling (Platt 1999),
/// σ(a·raw + b) fitted by maximum likelihood with Platt's smoothed targets, or isotonic regression (Zadrozny & Elkan
/// 2002): the non-decreasing map that best fits the same targets (pool-adjacent-violators), linear between its
/// `breakpoints` and flat beyond them. An isotonic calibration keeps the Platt fit of the same scores in `a` and `b`.
public struct Calibration: Codable, Sendable, Equatable {
    /// The methods this build fits and reads (`method`; `train --calibration-method` also takes "auto").
    public static let methods = ["platt", "isotonic"]
    public var method: String = "platt"
    public var a: Double
    public var b: Double
    /// "calibration" (a held-out split), "out-of-fold" or "train" (the training rows, when no split was set aside).
    public var fittedOn: String
    /// Rows the calibration was fitted on.
    public var n: Int
    /// Isotonic: raw scores, strictly increasing, and P(true) at each, non-decreasing (additive, 2026-12-07).
    public var breakpoints: [Double]?
    public var values: [Double]?
    /// How the method was chosen, when it was (`train --calibration-method auto`; additive).
    public var chosenBy: String?

    enum CodingKeys: String, CodingKey {
        case method, a, b, fittedOn = "fitted_on", n, breakpoints, values, chosenBy = "chosen_by"
    }

    public init(a: Double, b: Double, fittedOn: String, n: Int) {
        self.a = a; self.b = b; self.fittedOn = fittedOn; self.n = n
    }

    /// Platt's targets, which keep both fits off 0 and 1 (an unseen row is never certain).
    static func targets(_ labels: [UInt8]) -> [Double] {
        let pos = labels.reduce(0) { $0 + Int($1) }, neg = labels.count - pos
        let hi = (Double(pos) + 1) / (Double(pos) + 2), lo = 1 / (Double(neg) + 2)
        return labels.map { $0 == 1 ? hi : lo }
    }

    static func requireBothClasses(_ labels: [UInt8]) throws {
        let pos = labels.reduce(0) { $0 + Int($1) }
        guard pos > 0, pos < labels.count else {
            throw ProbeError.singleClass(label: pos > 0 ? 1 : 0, count: labels.count, context: "calibration split")
        }
    }

    /// Fits Platt's a and b on raw `scores` and `labels` (both classes needed).
    public init(fitting scores: [Double], labels: [UInt8], fittedOn: String) throws {
        try Self.requireBothClasses(labels)
        let targets = Self.targets(labels)
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

    /// Fits `method` ("platt" or "isotonic") on raw `scores` and `labels`.
    public init(method: String, fitting scores: [Double], labels: [UInt8], fittedOn: String) throws {
        try self.init(fitting: scores, labels: labels, fittedOn: fittedOn)
        guard method != "platt" else { return }
        guard method == "isotonic" else {
            throw ProbeError.invalidOption(
                name: "calibration-method", value: method, expected: Self.methods.joined(separator: " or "))
        }
        (breakpoints, values) = Self.isotonic(scores: scores, targets: Self.targets(labels))
        self.method = "isotonic"
    }

    /// Pool-adjacent-violators on the targets sorted by score (tied scores pooled first): the blocks' score ranges
    /// as breakpoints (a block's first and last score), each at its block's mean target.
    static func isotonic(scores: [Double], targets: [Double]) -> (breakpoints: [Double], values: [Double]) {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        // Blocks: (first score, last score, weight, mean).
        var blocks: [(lo: Double, hi: Double, w: Double, v: Double)] = []
        for i in order {
            let x = scores[i], y = targets[i]
            if let last = blocks.last, last.hi == x {  // a tie joins the block it would sort into
                blocks[blocks.count - 1] = (last.lo, x, last.w + 1, (last.v * last.w + y) / (last.w + 1))
            } else {
                blocks.append((x, x, 1, y))
            }
            while blocks.count > 1, blocks[blocks.count - 2].v >= blocks[blocks.count - 1].v {
                let b = blocks.removeLast(), a = blocks.removeLast()
                blocks.append((a.lo, b.hi, a.w + b.w, (a.v * a.w + b.v * b.w) / (a.w + b.w)))
            }
        }
        var xs: [Double] = [], ys: [Double] = []
        for b in blocks {
            xs.append(b.lo); ys.append(b.v)
            if b.hi > b.lo { xs.append(b.hi); ys.append(b.v) }
        }
        return (xs, ys)
    }

    /// Calibrated P(true) for a raw score.
    @inline(__always) public func probability(_ raw: Double) -> Double {
        guard let xs = breakpoints, let ys = values, !xs.isEmpty else { return sigmoid(a * raw + b) }
        if !(raw > xs[0]) { return raw.isNaN ? .nan : ys[0] }
        if raw >= xs[xs.count - 1] { return ys[ys.count - 1] }
        var lo = 0, hi = xs.count - 1  // xs[lo] < raw < xs[hi]
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if xs[mid] < raw { lo = mid } else { hi = mid }
        }
        let t = (raw - xs[lo]) / (xs[hi] - xs[lo])
        return ys[lo] + t * (ys[hi] - ys[lo])
    }

    /// The method among `methods` whose calibration, fitted on the other folds' rows, has the lowest mean expected
    /// calibration error on each held-out fold's rows (`folds[i]`: row i's fold), refitted on every row: the choice
    /// is made on rows — and, with grouped folds, topics — that its fit did not see.
    public static func choosing(
        among methods: [String], scores: [Double], labels: [UInt8], folds: [Int], fittedOn: String
    ) throws -> Calibration {
        var means: [(method: String, ece: Double)] = []
        for method in methods {
            var total = 0.0, used = 0
            for k in Set(folds).sorted() {
                let out = folds.indices.filter { folds[$0] == k }, inside = folds.indices.filter { folds[$0] != k }
                let inLabels = inside.map { labels[$0] }
                guard inLabels.contains(0), inLabels.contains(1) else { continue }
                let fit = try Calibration(
                    method: method, fitting: inside.map { scores[$0] }, labels: inLabels, fittedOn: fittedOn)
                total += ProbeMetrics.expectedCalibrationError(
                    probabilities: out.map { fit.probability(scores[$0]) }, labels: out.map { labels[$0] }, bins: 15)
                used += 1
            }
            means.append((method, used > 0 ? total / Double(used) : .infinity))
        }
        guard let best = means.min(by: { $0.ece < $1.ece }) else {
            throw ProbeError.invalidOption(name: "calibration-method", value: "auto", expected: "at least one method")
        }
        var chosen = try Calibration(method: best.method, fitting: scores, labels: labels, fittedOn: fittedOn)
        chosen.chosenBy =
            "mean ECE on held-out folds: "
            + means.map { String(format: "%@ %.4f", $0.method as NSString, $0.ece) }.joined(separator: ", ")
        return chosen
    }
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
