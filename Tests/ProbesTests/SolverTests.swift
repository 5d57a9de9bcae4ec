import Hooks
import Foundation
import Testing
@testable import Probes

/// The logistic solver on residual-stream-like data: strongly correlated features, nearly separable classes.
@Suite struct SolverTests {
    /// `[n, d]` rows: independent components with scales falling from 1 to 10⁻³ (a continuous spectrum, like the
    /// residual stream's), mixed by a random matrix, plus a small planted truth signal. Plain L-BFGS needs ~100
    /// iterations here (scipy's L-BFGS-B: 110 at d = 64).
    static func correlated(n: Int, d: Int, signal: Double = 0.02, seed: UInt64 = 7) throws -> ProbeDataset {
        var rng = SeededGenerator(seed: seed)
        let mixing = (0..<(d * d)).map { _ in rng.gaussian() }
        let scales = (0..<d).map { pow(10, -3 * Double($0) / Double(d)) }
        let direction = (0..<d).map { _ in rng.gaussian() }
        var x = [Float](), labels = [Int]()
        for i in 0..<n {
            let y = i % 2
            let z = (0..<d).map { scales[$0] * rng.gaussian() }
            for j in 0..<d {
                var v = (y == 1 ? signal : -signal) * direction[j]
                for k in 0..<d { v += z[k] * mixing[k * d + j] }
                x.append(Float(v))
            }
            labels.append(y)
        }
        return try ProbeDataset(features: x, dims: d, labels: labels)
    }

    @Test("preconditioned L-BFGS solves an ill-conditioned quadratic in a few iterations; plain L-BFGS needs many")
    func preconditionedQuadratic() {
        // f(x) = ½ Σ a_j (x_j − 1)², curvatures spanning six orders of magnitude.
        let n = 50
        let a = (0..<n).map { pow(10.0, 6.0 * Double($0) / Double(n - 1)) / 1e3 }
        func f(_ x: [Double], _ g: inout [Double]) -> Double {
            var v = 0.0
            for j in 0..<n { g[j] = a[j] * (x[j] - 1); v += 0.5 * a[j] * (x[j] - 1) * (x[j] - 1) }
            return v
        }
        var plain = LBFGS(); plain.gradientTolerance = 1e-8
        var pre = plain
        pre.preconditioner = { v in for j in 0..<n { v[j] /= a[j] } }
        let r1 = plain.minimize([Double](repeating: 0, count: n), f)
        let r2 = pre.minimize([Double](repeating: 0, count: n), f)
        #expect(r2.converged && r2.iterations <= 2)
        #expect(r2.x.allSatisfy { abs($0 - 1) < 1e-6 })
        #expect(r1.iterations > 10 * r2.iterations)
    }

    @Test(
        "the logistic probe converges on correlated, nearly separable features in tens of iterations, at a stationary point"
    )
    func correlatedLogistic() throws {
        let data = try Self.correlated(n: 600, d: 64)
        let model = try ProbeTrainer.train(.logistic, on: data)
        #expect(model.parameters.converged == true)
        #expect((model.parameters.iterations ?? .max) < 40)
        // The mean-loss gradient at the returned weights, in double precision: below the default tolerance 1e-4.
        let norm = model.normalization, w = model.parameters.weights!, b = model.parameters.bias!
        let x = norm.transform(data), n = data.count, d = data.dims
        var g = [Double](repeating: 0, count: d + 1)
        for i in 0..<n {
            var z = b
            for j in 0..<d { z += Double(w[j]) * Double(x[i * d + j]) }
            let r = 1 / (1 + exp(-z)) - Double(data.labels[i])
            for j in 0..<d { g[j] += r * Double(x[i * d + j]) / Double(n) }
            g[d] += r / Double(n)
        }
        for j in 0..<d { g[j] += Double(w[j]) / Double(n) }
        #expect(g.map(abs).max()! < 2e-4)
        #expect(ProbeMetrics.auroc(scores: try model.rawScores(data), labels: data.labels) > 0.85)
    }
}
