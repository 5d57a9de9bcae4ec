/// The hybrid probe: logistic regression on the hidden state concatenated with the model's own confidences
/// (mean and min token log-prob, mean entropy, mean margin), so that one calibrated score uses what the hidden
/// state knows beyond the token probabilities (issue 12 item 3; the confidence features as in Kadavath et al. 2022).
///
/// The confidences are oriented like the baselines (entropy negated) and a missing value (an empty answer) is
/// replaced by its training mean, stored in the artifact as `parameters.confidence_fill`.
public enum HybridProbe {
    /// The confidence columns, in feature order.
    public static var columns: [String] { ConfidenceBaselines.features.map(\.column) }

    static func sign(of column: String) -> Double {
        ConfidenceBaselines.features.first { $0.column == column }?.sign ?? 1
    }

    /// The confidence part of a feature vector: oriented, missing values filled.
    public static func tail(_ values: [String: Double], columns: [String], fill: [Double]) -> [Float] {
        columns.enumerated().map { k, column in
            let v = values[column] ?? .nan
            return Float(sign(of: column) * (v.isFinite ? v : fill[k]))
        }
    }

    /// `data` with the confidence columns appended to every row's features.
    static func augment(_ data: ProbeDataset, columns: [String], fill: [Double]) throws -> ProbeDataset {
        guard let confidence = data.confidence, columns.allSatisfy({ confidence[$0] != nil }) else {
            throw ProbeError.missingColumn(
                name: "/confidence/" + columns.joined(separator: ",") + " (a hybrid probe reads the "
                    + "model's own confidences: capture answers, or statements without --no-confidence)",
                available: (data.confidence?.keys.sorted() ?? []).map { "/confidence/" + $0 })
        }
        let d = data.dims, k = columns.count
        let features = try data.rows.materialize()  // the hybrid holds its rows in memory (not streamed)
        var x = [Float](repeating: 0, count: data.count * (d + k))
        for i in 0..<data.count {
            for j in 0..<d { x[i * (d + k) + j] = features[i * d + j] }
            let row = Dictionary(uniqueKeysWithValues: columns.map { ($0, Double(confidence[$0]![i])) })
            for (j, v) in tail(row, columns: columns, fill: fill).enumerated() { x[i * (d + k) + d + j] = v }
        }
        var augmented = try ProbeDataset(
            features: x, dims: d + k, labels: data.labels.map(Int.init),
            sources: data.sources, confidence: confidence, sourceName: "hybrid features")
        augmented.groups = data.groups
        return augmented
    }

    /// Trains on every row of `data` (which must carry confidences).
    static func train(_ data: ProbeDataset, options: ProbeTrainingOptions) throws -> ProbeModel {
        try data.requireBothClasses("hybrid probe")
        let columns = Self.columns
        let fill = columns.map { column -> Double in
            let known = (data.confidence?[column] ?? []).filter(\.isFinite)
            return known.isEmpty ? 0 : known.reduce(0.0) { $0 + Double($1) } / Double(known.count)
        }
        let weight = options.confidenceWeight
        guard weight > 0, weight.isFinite else {
            throw ProbeError.invalidOption(name: "confidence-weight", value: "\(weight)", expected: "a positive number")
        }
        let logistic = try LogisticTrainer.train(
            try augment(data, columns: columns, fill: fill), options: options,
            emphasis: weight == 1 ? nil : (from: data.dims, factor: weight))
        var parameters = logistic.parameters
        parameters.confidenceFeatures = columns
        parameters.confidenceFill = fill
        parameters.confidenceWeight = weight
        return ProbeModel(kind: .hybrid, normalization: logistic.normalization, parameters: parameters)
    }
}
