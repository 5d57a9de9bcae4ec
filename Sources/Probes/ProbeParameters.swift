/// Kind-specific weights, as stored under the artifact's `parameters`.
/// Every kind except `mlp` is linear in the normalised activation: raw = weights · z + bias, z = (x − mean) / scale.
public struct ProbeParameters: Codable, Sendable, Equatable {
    /// Linear weights `[dims]` on the normalised activation (logistic, mass_mean, ttpd; ttpd folded from its 2-D classifier).
    public var weights: [Float]?
    /// Intercept of the linear score.
    public var bias: Double?
    /// mass_mean: "plain" or "covariance_corrected".
    public var variant: String?
    /// logistic: inverse regularisation strength C (scikit-learn's convention).
    public var c: Double?
    /// Optimiser iterations / epochs used, and whether the fit converged (or stopped early) as intended.
    public var iterations: Int?
    public var converged: Bool?
    /// mlp: dense layers from input to the single output logit.
    public var layers: [DenseLayer]?
    /// ttpd: general truth direction t_G `[dims]`, polarity direction `[dims]`, and the 2-D classifier on the
    /// projections (w_truth, w_polarity).
    public var truthDirection: [Float]?
    public var polarityDirection: [Float]?
    public var projectionWeights: [Double]?
    /// hybrid: the `/confidence` columns appended to the activation, in order, and the value used for a missing one.
    public var confidenceFeatures: [String]?
    public var confidenceFill: [Double]?
    /// hybrid: how much less the L2 penalty holds the confidence features back than the activation's dimensions
    /// (their normalisation scale was divided by it before fitting; additive, absent in older artifacts).
    public var confidenceWeight: Double?

    public init(weights: [Float]? = nil, bias: Double? = nil) { self.weights = weights; self.bias = bias }

    enum CodingKeys: String, CodingKey {
        case weights, bias, variant, c = "C", iterations, converged, layers
        case truthDirection = "truth_direction", polarityDirection = "polarity_direction"
        case projectionWeights = "projection_weights"
        case confidenceFeatures = "confidence_features", confidenceFill = "confidence_fill"
        case confidenceWeight = "confidence_weight"
    }
}

/// One fully connected layer, y = W x + b, with ReLU unless it is the last.
public struct DenseLayer: Codable, Sendable, Equatable {
    public var inputs: Int
    public var outputs: Int
    /// Row-major `[outputs, inputs]`.
    public var weights: [Float]
    /// `[outputs]`
    public var bias: [Float]
}
