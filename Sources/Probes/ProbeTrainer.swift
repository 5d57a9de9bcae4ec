/// Entry point for training any probe kind on an in-memory dataset.
public enum ProbeTrainer {
    /// Trains a probe of `kind` on every row of `data`; the result maps an activation to a raw score.
    public static func train(
        _ kind: ProbeKind, on data: ProbeDataset,
        options: ProbeTrainingOptions = ProbeTrainingOptions()
    ) throws -> ProbeModel {
        let data = options.centerWithinGroups ? try data.centeredWithinGroups() : data
        let model: ProbeModel
        switch kind {
        case .logistic: model = try LogisticTrainer.train(data, options: options)
        case .massMean: model = try MassMeanTrainer.train(data, covarianceCorrected: false, options: options)
        case .massMeanIID: model = try MassMeanTrainer.train(data, covarianceCorrected: true, options: options)
        case .mlp: model = try MLPTrainer.train(data, options: options)
        case .ttpd: model = try TTPDTrainer.train(data, options: options)
        case .hybrid: model = try HybridProbe.train(data, options: options)
        }
        // Never hand back a probe with a non-finite number in it.
        let p = model.parameters
        let finite =
            (p.weights ?? []).allSatisfy(\.isFinite) && (p.bias ?? 0).isFinite
            && (p.layers ?? []).allSatisfy { $0.weights.allSatisfy(\.isFinite) && $0.bias.allSatisfy(\.isFinite) }
            && model.normalization.mean.allSatisfy(\.isFinite) && model.normalization.scale.allSatisfy(\.isFinite)
        guard finite else { throw ProbeError.diverged(kind: kind.cliName, detail: "a parameter is NaN or infinite") }
        return model
    }
}

/// Progress of a long probe job (a sweep, a layer choice, a generalisation matrix): steps done, steps in all, and
/// what the last step found. Called from worker threads; the CLI draws it on stderr.
public typealias ProgressReport = @Sendable (_ done: Int, _ total: Int, _ detail: String) -> Void
