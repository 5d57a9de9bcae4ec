/// A trained probe reduced to what scoring needs: normalisation folded into the first layer where possible.
/// Shared by batch evaluation (`rawScores`) and the per-token scorer (`rawScore`).
public struct ProbeModel: Sendable {
    public let kind: ProbeKind
    public let dims: Int
    /// Width of the activation part of the input (`dims` minus the hybrid's confidence features).
    public var activationDims: Int { dims - (parameters.confidenceFeatures?.count ?? 0) }
    public let normalization: Standardizer
    public let parameters: ProbeParameters
    /// Linear kinds: weights on the raw activation `[dims]` and bias, with the normalisation folded in.
    let foldedWeights: [Float]
    let foldedBias: Double
    /// MLP: layers, the first with the normalisation folded in.
    let mlpLayers: [DenseLayer]

    /// Prepares a model; `parameters` must already be valid for `kind` (see `ProbeArtifact.validate`).
    public init(kind: ProbeKind, normalization: Standardizer, parameters: ProbeParameters) {
        self.kind = kind
        self.dims = normalization.mean.count
        self.normalization = normalization
        self.parameters = parameters
        let inv = normalization.scale.map { 1 / $0 }
        if kind == .mlp, var layers = parameters.layers, !layers.isEmpty {
            // W (x − m)/s + b = (W diag(1/s)) x + (b − W diag(1/s) m)
            var first = layers[0]
            for o in 0..<first.outputs {
                var shift = 0.0
                for j in 0..<first.inputs {
                    let w = first.weights[o * first.inputs + j] * inv[j]
                    first.weights[o * first.inputs + j] = w
                    shift += Double(w) * Double(normalization.mean[j])
                }
                first.bias[o] = Float(Double(first.bias[o]) - shift)
            }
            layers[0] = first
            mlpLayers = layers
            foldedWeights = []
            foldedBias = 0
        } else {
            let w = parameters.weights ?? []
            var folded = [Float](repeating: 0, count: w.count)
            var shift = 0.0
            for j in 0..<w.count {
                folded[j] = w[j] * inv[j]
                shift += Double(folded[j]) * Double(normalization.mean[j])
            }
            foldedWeights = folded
            foldedBias = (parameters.bias ?? 0) - shift
            mlpLayers = []
        }
    }

    /// Raw score (logit-like; larger = more likely true) of one activation `[dims]`. Costs one dot product for
    /// linear kinds, three small matrix-vector products for the MLP.
    public func rawScore(_ x: UnsafeBufferPointer<Float>) -> Double {
        guard x.baseAddress != nil else { return 0 }
        if kind != .mlp {
            return LinearAlgebra.dot(UnsafeBufferPointer(rebasing: x.prefix(dims)), foldedWeights) + foldedBias
        }
        var input = Array(x)
        for (li, layer) in mlpLayers.enumerated() {
            var out = layer.bias
            LinearAlgebra.gemv(layer.weights, rows: layer.outputs, cols: layer.inputs, input, &out, beta: 1)
            if li < mlpLayers.count - 1 { for k in 0..<out.count where out[k] < 0 { out[k] = 0 } }
            input = out
        }
        return Double(input[0])
    }

    /// Raw scores of every row of `features` `[count, dims]` → `[count]`.
    public func rawScores(_ features: [Float], count: Int) -> [Double] {
        guard count > 0 else { return [] }
        return features.withUnsafeBufferPointer { rawScores($0.baseAddress!, count: count) }
    }

    /// Raw scores of `count` rows at `x` `[count, dims]`.
    func rawScores(_ x: UnsafePointer<Float>, count: Int) -> [Double] {
        if kind != .mlp {
            var z = [Float](repeating: 0, count: count)
            LinearAlgebra.gemv(x, rows: count, cols: dims, foldedWeights, &z)
            return z.map { Double($0) + foldedBias }
        }
        return MLPForward.logits(layers: mlpLayers, input: x, count: count)
    }

    /// Raw scores of every row, chunk by chunk `[count]`.
    public func rawScores(_ rows: ActivationRows) throws -> [Double] {
        var out = [Double](repeating: 0, count: rows.count)
        try rows.forEachChunk { chunk in
            for (k, s) in rawScores(chunk.x, count: chunk.count).enumerated() { out[chunk.row(k)] = s }
        }
        return out
    }

    /// Raw scores of a dataset's rows (a hybrid probe reads the rows' confidences too; rows without them score NaN).
    public func rawScores(_ data: ProbeDataset) throws -> [Double] {
        if let columns = parameters.confidenceFeatures, let fill = parameters.confidenceFill {
            guard let augmented = try? HybridProbe.augment(data, columns: columns, fill: fill) else {
                return Array(repeating: .nan, count: data.count)
            }
            return try rawScores(augmented.rows)
        }
        return try rawScores(data.rows)
    }
}

/// Batched MLP forward pass (ReLU between layers, linear last layer).
enum MLPForward {
    /// Logits of every row `[count]`, chunk by chunk.
    static func logits(layers: [DenseLayer], rows: ActivationRows) throws -> [Double] {
        var out = [Double](repeating: 0, count: rows.count)
        try rows.forEachChunk { chunk in
            for (k, z) in logits(layers: layers, input: chunk.x, count: chunk.count).enumerated() {
                out[chunk.row(k)] = z
            }
        }
        return out
    }

    /// `input` `[count, layers[0].inputs]` → logits `[count]`.
    static func logits(layers: [DenseLayer], input: UnsafePointer<Float>, count: Int) -> [Double] {
        var act: [Float] = []
        for (li, layer) in layers.enumerated() {
            var out = [Float](repeating: 0, count: count * layer.outputs)
            for i in 0..<count { for o in 0..<layer.outputs { out[i * layer.outputs + o] = layer.bias[o] } }
            // out[count, outputs] += act[count, inputs] · Wᵀ (the first layer reads the input rows in place)
            if li == 0 {
                LinearAlgebra.gemm(
                    transB: true, m: count, n: layer.outputs, k: layer.inputs, input, layer.weights, &out, beta: 1)
            } else {
                LinearAlgebra.gemm(
                    transB: true, m: count, n: layer.outputs, k: layer.inputs, act, layer.weights, &out, beta: 1)
            }
            if li < layers.count - 1 { for k in 0..<out.count where out[k] < 0 { out[k] = 0 } }
            act = out
        }
        return act.map(Double.init)
    }
}
