import Hooks
/// SAPLMA probe (Azaria & Mitchell 2023): an MLP d → 256 → 128 → 64 → 1 with ReLU, trained with Adam on
/// binary cross-entropy, early-stopped on a seeded validation split. Deterministic for a seed on one machine with one
/// BLAS thread count: every reduction here runs in a fixed order, but OpenBLAS's threaded sgemm rounds differently
/// from its single-threaded one (Debian's 0.3.21: a [32, 256]·[256, 128] product differs in the last bits).
/// Mini-batches are cut from one row chunk at a time (chunks in a shuffled order, rows shuffled within each chunk),
/// so streamed rows are read once per epoch; rows in memory are one chunk, i.e. one shuffle over every row.
enum MLPTrainer {
    static func train(_ data: ProbeDataset, options: ProbeTrainingOptions) throws -> ProbeModel {
        try data.requireBothClasses("mlp probe")
        guard data.count >= 10 else { throw ProbeError.tooFewRows(needed: 10, found: data.count, context: "mlp probe") }
        let split = try DataSplit.stratified(
            labels: data.labels, trainFraction: 1 - options.validationFraction,
            seed: options.seed &+ 17)
        let fitSet = data.subset(split.train), valSet = data.subset(split.test)
        let norm = try Standardizer(fitting: fitSet)
        let x = fitSet.rows.standardized(norm), xv = valSet.rows.standardized(norm)
        var rng = SeededGenerator(seed: options.seed)
        let widths = [data.dims] + options.hidden + [1]
        var layers: [DenseLayer] = (0..<(widths.count - 1)).map { l in
            let fanIn = widths[l], fanOut = widths[l + 1]
            let bound = (6.0 / Double(fanIn + fanOut)).squareRoot()
            let w = (0..<(fanIn * fanOut)).map { _ in Float((2 * rng.nextUnit() - 1) * bound) }
            let b = (0..<fanOut).map { _ in Float((2 * rng.nextUnit() - 1) * bound) }
            return DenseLayer(inputs: fanIn, outputs: fanOut, weights: w, bias: b)
        }
        var adam = AdamState(layers: layers, learningRate: Float(options.learningRate))
        var best = layers, bestLoss = Double.infinity, stale = 0, epochs = 0
        // Each chunk's row order persists across epochs and is reshuffled every epoch.
        var orders = (0..<x.chunkCount).map { k in Array(0..<min(x.chunkRows, fitSet.count - k * x.chunkRows)) }
        var chunkOrder = Array(0..<x.chunkCount)
        let batch = max(1, min(options.batchSize, fitSet.count))
        for epoch in 0..<options.maxEpochs {
            epochs = epoch + 1
            rng.shuffle(&chunkOrder)
            var next = 0
            try x.forEachChunk(order: chunkOrder) { chunk in
                let k = chunkOrder[next]
                next += 1
                rng.shuffle(&orders[k])
                var start = 0
                while start < orders[k].count {
                    let rows = Array(orders[k][start..<min(start + batch, orders[k].count)])
                    start += batch
                    let grads = gradients(
                        layers: layers, chunk: chunk, dims: data.dims, labels: fitSet.labels, rows: rows,
                        weightDecay: Float(options.weightDecay))
                    adam.step(&layers, grads)
                }
            }
            let logits = try MLPForward.logits(layers: layers, rows: xv)
            var loss = 0.0
            for (i, z) in logits.enumerated() { loss += softplus(z) - Double(valSet.labels[i]) * z }
            loss /= Double(max(valSet.count, 1))
            guard loss.isFinite else {
                throw ProbeError.diverged(kind: "mlp", detail: "validation loss \(loss) at epoch \(epoch + 1)")
            }
            if loss < bestLoss - 1e-4 {
                bestLoss = loss; best = layers; stale = 0
            } else {
                stale += 1
                if stale >= options.patience { break }
            }
        }
        var params = ProbeParameters()
        params.layers = best
        params.iterations = epochs
        params.converged = stale >= options.patience
        return ProbeModel(kind: .mlp, normalization: norm, parameters: params)
    }

    /// Gradients of the mean BCE over the chunk's rows `rows` (plus weightDecay·W) for each layer:
    /// (dW `[out, in]`, db `[out]`).
    static func gradients(
        layers: [DenseLayer], chunk: RowChunk, dims: Int, labels: [UInt8], rows: [Int],
        weightDecay: Float
    ) -> [([Float], [Float])] {
        let b = rows.count
        var input = [Float](repeating: 0, count: b * dims)
        for (k, i) in rows.enumerated() { for j in 0..<dims { input[k * dims + j] = chunk.x[i * dims + j] } }
        var acts = [input]  // acts[l] = input of layer l, [b, inputs]
        for (li, layer) in layers.enumerated() {
            var out = [Float](repeating: 0, count: b * layer.outputs)
            for k in 0..<b { for o in 0..<layer.outputs { out[k * layer.outputs + o] = layer.bias[o] } }
            LinearAlgebra.gemm(
                transB: true, m: b, n: layer.outputs, k: layer.inputs, acts[li], layer.weights, &out, beta: 1)
            if li < layers.count - 1 { for k in 0..<out.count where out[k] < 0 { out[k] = 0 } }
            acts.append(out)
        }
        // δ at the output logit: (σ(z) − y) / b   [b, 1]
        var delta = (0..<b).map { k in
            Float((sigmoid(Double(acts[layers.count][k])) - Double(labels[chunk.row(rows[k])])) / Double(b))
        }
        var grads = [([Float], [Float])](repeating: ([], []), count: layers.count)
        for li in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[li]
            var dw = layer.weights.map { $0 * weightDecay }
            var db = [Float](repeating: 0, count: layer.outputs)
            for k in 0..<b { for o in 0..<layer.outputs { db[o] += delta[k * layer.outputs + o] } }
            // dW[out, in] += δᵀ[out, b] · a[b, in]
            LinearAlgebra.gemm(
                transA: true, m: layer.outputs, n: layer.inputs, k: b, delta, acts[li], &dw, beta: 1)
            grads[li] = (dw, db)
            if li > 0 {
                var prev = [Float](repeating: 0, count: b * layer.inputs)
                // δ_prev[b, in] = δ[b, out] · W[out, in], masked by ReLU'
                LinearAlgebra.gemm(m: b, n: layer.inputs, k: layer.outputs, delta, layer.weights, &prev)
                let a = acts[li]
                for k in 0..<prev.count where a[k] <= 0 { prev[k] = 0 }
                delta = prev
            }
        }
        return grads
    }
}

/// Adam (Kingma & Ba 2015) moments for every layer's weights and biases.
struct AdamState {
    var m: [([Float], [Float])], v: [([Float], [Float])]
    var t: Float = 0
    let lr: Float, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8

    init(layers: [DenseLayer], learningRate: Float) {
        m = layers.map { ([Float](repeating: 0, count: $0.weights.count), [Float](repeating: 0, count: $0.bias.count)) }
        v = m
        lr = learningRate
    }

    mutating func step(_ layers: inout [DenseLayer], _ grads: [([Float], [Float])]) {
        t += 1
        let c1 = 1 - pow(beta1, t), c2 = 1 - pow(beta2, t)
        let stepSize = lr * c2.squareRoot() / c1
        for l in layers.indices {
            update(&layers[l].weights, grads[l].0, &m[l].0, &v[l].0, stepSize)
            update(&layers[l].bias, grads[l].1, &m[l].1, &v[l].1, stepSize)
        }
    }

    private func update(_ p: inout [Float], _ g: [Float], _ m: inout [Float], _ v: inout [Float], _ stepSize: Float) {
        for i in p.indices {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            p[i] -= stepSize * m[i] / (v[i].squareRoot() + eps)
        }
    }
}

import Foundation
