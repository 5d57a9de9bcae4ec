import BLASSupport
import Hooks
import Testing
@testable import Probes

@Suite struct TrainerTests {
    @Test("logistic probe separates a planted direction and reaches a stationary point of its objective")
    func logistic() throws {
        let data = try Synthetic.dataset(n: 400, d: 32, separation: 2)
        var options = ProbeTrainingOptions(); options.tolerance = 1e-6
        let model = try ProbeTrainer.train(.logistic, on: data, options: options)
        #expect(model.parameters.converged == true)
        let auroc = ProbeMetrics.auroc(scores: try model.rawScores(data), labels: data.labels)
        #expect(auroc > 0.85)
        // Check the gradient of the objective at the returned weights directly, in double precision.
        let norm = model.normalization, w = model.parameters.weights!, b = model.parameters.bias!
        let x = norm.transform(data), n = data.count, d = data.dims
        var g = [Double](repeating: 0, count: d)
        for i in 0..<n {
            var z = b
            for j in 0..<d { z += Double(w[j]) * Double(x[i * d + j]) }
            let r = 1 / (1 + exp(-z)) - Double(data.labels[i])
            for j in 0..<d { g[j] += r * Double(x[i * d + j]) / Double(n) }
        }
        for j in 0..<d { g[j] += Double(w[j]) / (1.0 * Double(n)) }
        #expect(g.map(abs).max()! < 1e-5)
    }

    @Test("smaller C shrinks the logistic weights")
    func regularisation() throws {
        let data = try Synthetic.dataset(n: 200, d: 16)
        var strong = ProbeTrainingOptions(); strong.c = 0.001
        let a = try ProbeTrainer.train(.logistic, on: data)
        let b = try ProbeTrainer.train(.logistic, on: data, options: strong)
        let na = a.parameters.weights!.reduce(0) { $0 + $1 * $1 }, nb = b.parameters.weights!.reduce(0) { $0 + $1 * $1 }
        #expect(nb < na / 10)
    }

    @Test("mass-mean direction is exactly the difference of class means, thresholded at their midpoint")
    func massMean() throws {
        let data = try Synthetic.dataset(n: 100, d: 8)
        let model = try ProbeTrainer.train(.massMean, on: data)
        var muT = [Double](repeating: 0, count: 8), muF = muT
        for i in 0..<data.count {
            for j in 0..<8 {
                if data.labels[i] == 1 {
                    muT[j] += Double(data.features[i * 8 + j]) / 50
                } else {
                    muF[j] += Double(data.features[i * 8 + j]) / 50
                }
            }
        }
        for j in 0..<8 {
            #expect(abs(Double(model.parameters.weights![j]) - (muT[j] - muF[j])) < 1e-5)
            #expect(abs(Double(model.normalization.mean[j]) - (muT[j] + muF[j]) / 2) < 1e-5)
        }
        // The midpoint itself scores 0.
        let mid = model.normalization.mean
        #expect(abs(mid.withUnsafeBufferPointer { model.rawScore($0) }) < 1e-4)
    }

    @Test("covariance-corrected mass-mean solves Σθ' = θ and beats plain mass-mean on anisotropic noise")
    func massMeanIID() throws {
        // Noise much larger along a direction close to the truth direction.
        var rng = SeededGenerator(seed: 5)
        let d = 6, n = 600
        var x = [Float](), y = [Int]()
        for i in 0..<n {
            let t = i % 2 == 0 ? 1.0 : -1.0
            let big = rng.gaussian() * 10
            for j in 0..<d {
                var v = rng.gaussian()
                if j == 0 { v += big + t * 1.0 }
                if j == 1 { v += big }
                x.append(Float(v))
            }
            y.append(i % 2 == 0 ? 1 : 0)
        }
        let data = try ProbeDataset(features: x, dims: d, labels: y)
        let plain = try ProbeTrainer.train(.massMean, on: data), iid = try ProbeTrainer.train(.massMeanIID, on: data)
        let a1 = ProbeMetrics.auroc(scores: try plain.rawScores(data), labels: data.labels)
        let a2 = ProbeMetrics.auroc(scores: try iid.rawScores(data), labels: data.labels)
        #expect(a2 > a1 + 0.05)
        #expect(iid.parameters.variant == "covariance_corrected")
    }

    @Test("MLP training is bit-for-bit reproducible with the same seed and differs with another")
    func mlpDeterministic() throws {
        // OpenBLAS's threaded sgemm rounds differently from its single-threaded one, and a test beside this one that
        // builds a model or sweeps switches the process to single-threaded calls (for good): pin that for both runs.
        BLASRuntime.singleThreadedCalls()
        let data = try Synthetic.dataset(n: 300, d: 24, separation: 2.5)
        var opts = ProbeTrainingOptions(); opts.maxEpochs = 30; opts.seed = 7
        let a = try ProbeTrainer.train(.mlp, on: data, options: opts)
        let b = try ProbeTrainer.train(.mlp, on: data, options: opts)
        #expect(a.parameters.layers == b.parameters.layers)
        #expect(try a.rawScores(data) == b.rawScores(data))
        opts.seed = 8
        let c = try ProbeTrainer.train(.mlp, on: data, options: opts)
        #expect(c.parameters.layers != a.parameters.layers)
        #expect(a.parameters.layers!.map(\.outputs) == [256, 128, 64, 1])
        #expect(ProbeMetrics.auroc(scores: try a.rawScores(data), labels: data.labels) > 0.85)
    }

    @Test("the per-row scorer agrees with the batched scores for every kind")
    func scorerAgrees() throws {
        let data = try Synthetic.dataset(n: 120, d: 12, negatedFraction: 0.5)
        var opts = ProbeTrainingOptions(); opts.maxEpochs = 5
        for kind in ProbeKind.allCases {
            let model = try ProbeTrainer.train(kind, on: data, options: opts)
            let batch = try model.rawScores(data)
            for i in [0, 17, 119] {
                var row = Array(data.features[(i * 12)..<(i * 12 + 12)])
                if let columns = model.parameters.confidenceFeatures, let fill = model.parameters.confidenceFill {
                    let values = Dictionary(
                        uniqueKeysWithValues: columns.map { ($0, Double(data.confidence![$0]![i])) })
                    row += HybridProbe.tail(values, columns: columns, fill: fill)
                }
                let one = row.withUnsafeBufferPointer { model.rawScore($0) }
                #expect(abs(one - batch[i]) < 1e-3 * max(1, abs(one)), "\(kind) row \(i)")
            }
        }
    }

    @Test("TTPD needs a polarity column and generalises from affirmative to negated statements better than logistic")
    func ttpd() throws {
        let plain = try Synthetic.dataset(n: 100, d: 16)
        #expect(throws: ProbeError.self) { try ProbeTrainer.train(.ttpd, on: plain) }
        do { _ = try ProbeTrainer.train(.ttpd, on: plain); Issue.record("no error") } catch let e as ProbeError {
            #expect(e.description.contains("polarity"))
        }
        let mixed = try Synthetic.dataset(n: 800, d: 16, separation: 3, seed: 3, negatedFraction: 0.5)
        let model = try ProbeTrainer.train(.ttpd, on: mixed)
        #expect(model.parameters.truthDirection?.count == 16)
        // t_G is the planted polarity-independent direction.
        let planted = Synthetic.plantedDirection(d: 16, seed: 3)
        let tG = model.parameters.truthDirection!
        let cosine = zip(tG, planted).reduce(0) { $0 + Double($1.0) * $1.1 }
        #expect(cosine > 0.9)
        // On negated rows, TTPD keeps working while a logistic probe trained on affirmative rows only inverts.
        let negRows = mixed.polarity!.indices.filter { mixed.polarity![$0] < 0 }
        let affRows = mixed.polarity!.indices.filter { mixed.polarity![$0] > 0 }
        let negated = mixed.subset(negRows)
        let affOnly = try ProbeTrainer.train(.logistic, on: mixed.subset(affRows))
        let ttpdAUROC = ProbeMetrics.auroc(scores: try model.rawScores(negated), labels: negated.labels)
        let logAUROC = ProbeMetrics.auroc(scores: try affOnly.rawScores(negated), labels: negated.labels)
        #expect(ttpdAUROC > 0.75)
        #expect(logAUROC < 0.5)
    }
}

import Foundation
