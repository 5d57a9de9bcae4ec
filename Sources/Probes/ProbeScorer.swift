/// The three verdicts a calibrated score turns into (DESIGN.md, "Flags").
public enum ProbeFlag: String, Codable, Sendable, CaseIterable {
    /// P(true) ≥ the `uncertain` threshold.
    case ok
    /// Between the two thresholds.
    case uncertain
    /// P(true) < the `likely_false` threshold.
    case likelyFalse = "likely_false"
}

/// A probe's reading of one activation vector (also what the gate reports per answer and per token).
public struct ProbeScore: Sendable, Equatable {
    /// The probe's uncalibrated score (logit, projection...).
    public var raw: Double
    /// Calibrated probability that the statement is true, in [0, 1].
    public var pTrue: Double
    public var flag: ProbeFlag

    public init(raw: Double, pTrue: Double, flag: ProbeFlag) {
        self.raw = raw
        self.pTrue = pTrue
        self.flag = flag
    }
}

/// A loaded probe ready for the gate: scoring one activation costs a dot product (linear kinds) or a small MLP.
public struct ProbeScorer: Sendable {
    public let artifact: ProbeArtifact
    public let model: ProbeModel

    /// Prepares a validated artifact for scoring.
    public init(artifact: ProbeArtifact) throws {
        try artifact.validate()
        guard let kind = artifact.probeKind else { throw ProbeError.unknownKind(artifact.kind) }
        self.artifact = artifact
        model = ProbeModel(kind: kind, normalization: artifact.normalization, parameters: artifact.parameters)
    }

    /// Loads, validates and prepares `path`.
    public init(path: String) throws { try self.init(artifact: ProbeArtifact.load(from: path)) }

    /// Width the activation must have.
    public var dims: Int { model.activationDims }
    /// A hybrid probe's confidence columns (empty for other kinds).
    public var confidenceFeatures: [String] { model.parameters.confidenceFeatures ?? [] }

    /// Scores an activation together with the answer's confidences (`/confidence` column → value); for kinds other
    /// than hybrid the confidences are ignored.
    public func score(activation: [Float], confidence: [String: Double]) throws -> ProbeScore {
        guard let columns = model.parameters.confidenceFeatures, let fill = model.parameters.confidenceFill else {
            return try score(activation: activation)
        }
        return try score(activation: activation + HybridProbe.tail(confidence, columns: columns, fill: fill))
    }

    /// Scores one activation `[dims]` at the probe's hook and position.
    public func score(activation: UnsafeBufferPointer<Float>) throws -> ProbeScore {
        guard activation.count == model.dims else {
            throw ProbeError.dimensionMismatch(source: "activation", expected: model.dims, found: activation.count)
        }
        return verdict(raw: model.rawScore(activation))
    }

    /// Scores one activation `[dims]`.
    public func score(activation: [Float]) throws -> ProbeScore {
        try activation.withUnsafeBufferPointer { try score(activation: $0) }
    }

    /// Calibrated probability and flag for a raw score.
    @inline(__always) public func verdict(raw: Double) -> ProbeScore {
        let p = artifact.calibration.probability(raw)
        return ProbeScore(raw: raw, pTrue: p, flag: flag(pTrue: p))
    }

    /// Flag for a calibrated probability under the artifact's thresholds.
    @inline(__always) public func flag(pTrue p: Double) -> ProbeFlag {
        if p >= artifact.thresholds.uncertain { return .ok }
        if p < artifact.thresholds.likelyFalse { return .likelyFalse }
        return .uncertain
    }
}
