/// Knobs for training; defaults follow the papers and scikit-learn where they have one.
public struct ProbeTrainingOptions: Sendable, Codable, Equatable {
    /// Logistic inverse L2 strength (scikit-learn `C`): minimises Σ log-loss + ‖w‖²/(2C).
    public var c: Double = 1
    /// Seed for splits and MLP initialisation/shuffling.
    public var seed: UInt64 = 0
    /// L-BFGS stops when the max-norm of the mean-loss gradient falls below this (scikit-learn's `tol` default).
    public var tolerance: Double = 1e-4
    public var maxIterations: Int = 1000
    /// hybrid: the confidence features are scaled up by this after standardisation, so the L2 penalty that keeps
    /// the many activation dimensions in check holds them back less (penalty on them ÷ weight²). 4 is what
    /// topic-grouped 5-fold CV on the training answers chose among 1, 4, 16 and 64 for SmolLM2 and
    /// Qwen2.5-Coder-1.5B alike (probes/README.md, "Hybrid confidence weight"); 1 is the plain concatenation.
    public var confidenceWeight: Double = 4
    /// Fit on group-centred rows (`ProbeDataset.centeredWithinGroups`; needs groups): the probe learns what
    /// separates true from false within a group (topic) rather than which groups are hard. Cross-validation folds
    /// centre their own training rows and score held-out rows as they are.
    public var centerWithinGroups = false
    /// mass-mean-iid: ridge added to the within-class covariance, as a fraction of its mean eigenvalue.
    public var covarianceRidge: Double = 1e-2
    /// MLP (SAPLMA): hidden widths, Adam learning rate, L2 penalty, batch size, epochs, early stopping.
    public var hidden: [Int] = [256, 128, 64]
    public var learningRate: Double = 1e-3
    public var weightDecay: Double = 1e-2
    public var batchSize: Int = 64
    public var maxEpochs: Int = 200
    public var patience: Int = 10
    public var validationFraction: Double = 0.1

    public init() {}
}
