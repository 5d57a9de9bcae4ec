import Foundation
import Hooks
import ActivationStore

/// `polygraph train` end to end: read activation files, pick the layer, fit, calibrate, build the artifact.
public enum TrainJob {
    /// Tool identity written into artifacts.
    public static let createdBy = "polygraph 0.1.0"

    /// Which layer to train on.
    public enum LayerChoice: Sendable, Equatable {
        case index(Int)
        /// The layer with the best k-fold cross-validated AUROC on the training split.
        case best(folds: Int)

        /// Parses `--layer`: a number or `best`.
        public init(_ text: String, folds: Int = 5) throws {
            if text.lowercased() == "best" { self = .best(folds: folds); return }
            guard let l = Int(text), l >= 0 else {
                throw ProbeError.invalidOption(name: "layer", value: text, expected: "a layer number (0-based) or 'best'")
            }
            self = .index(l)
        }
    }

    /// Result of a training job.
    public struct Output {
        public var artifact: ProbeArtifact
        public var outcome: ProbeFitter.Outcome
        /// Layer → cross-validated AUROC when the layer was chosen with `best`.
        public var layerScores: [(layer: Int, auroc: Double)]
    }

    /// Trains per `plan` on the files' activations of `hook` at `layer` (a full hook name needs no layer).
    /// `progress` hears of each layer scored while choosing the best one.
    /// With `layer: .best`, `regularization` lists C values to choose from jointly with the layer, by the same
    /// cross-validation on the training rows (logistic and hybrid kinds); nil keeps `plan.options.c`.
    public static func run(paths: [String], plan: ProbeFitter.Plan, layer: LayerChoice?,
                           hook pattern: HookPattern = .perLayer(.residPost), groupBy: String? = nil,
                           regularization: [Double]? = nil, position: String? = nil,
                           progress: ProgressReport? = nil) throws -> Output {
        let loader = try ActivationLoader(paths: paths)
        var plan = plan
        plan.useGroups = groupBy != nil
        var chosen: Int?
        var hook: String
        var scores: [(layer: Int, auroc: Double)] = []
        if pattern.isFullName {
            hook = pattern.name(layer: 0).description
            chosen = pattern.fixedLayer
        } else {
            guard let layer else {
                throw ProbeError.invalidOption(name: "layer", value: "(missing)", expected: "a layer number or 'best' (or a full --hook name)")
            }
            switch layer {
            case .index(let l):
                chosen = l
            case .best(let folds):
                let layers = loader.layers(of: pattern)
                guard !layers.isEmpty else {
                    throw ProbeError.missingHook(hook: pattern.name(layer: 0).description, path: paths[0],
                                                 available: loader.header.hooks)
                }
                let grid = [ProbeKind.logistic, .hybrid].contains(plan.kind) ? regularization ?? [plan.options.c]
                    : [plan.options.c]
                var best: (layer: Int, c: Double, auroc: Double)?
                for (i, l) in layers.enumerated() {
                    let data = try loader.dataset(hook: pattern.name(layer: l).description, groupBy: groupBy, position: position)
                    let trainRows = plan.split < 1
                        ? try DataSplit.stratified(labels: data.labels, trainFraction: plan.split, seed: plan.options.seed,
                                                   groups: plan.useGroups ? data.groups : nil).train
                        : Array(0..<data.count)
                    var layerBest = -Double.infinity
                    for (k, c) in grid.enumerated() {
                        var options = plan.options
                        options.c = c
                        let auroc = try ProbeFitter.crossValidatedAUROC(data.subset(trainRows), kind: plan.kind, folds: folds,
                                                                        useGroups: plan.useGroups, options: options)
                        layerBest = max(layerBest, auroc)
                        if best.map({ auroc > $0.auroc }) ?? true { best = (l, c, auroc) }
                        let detail = grid.count > 1 ? String(format: "layer %d C %g CV AUROC %.3f", l, c, auroc)
                            : String(format: "layer %d CV AUROC %.3f", l, auroc)
                        progress?(i * grid.count + k + 1, layers.count * grid.count, detail)
                    }
                    scores.append((l, layerBest))
                }
                chosen = best!.layer
                plan.options.c = best!.c
            }
            hook = pattern.name(layer: chosen ?? 0).description
        }
        let data = try loader.dataset(hook: hook, groupBy: groupBy, position: position)
        let outcome = try ProbeFitter.fit(data, plan: plan)
        var metrics = ["train": outcome.train]
        if let test = outcome.test { metrics["test"] = test }
        let h = loader.header
        var training = ProbeArtifact.TrainingRecord(
            datasets: try loader.datasetRecords(for: data), seed: plan.options.seed, split: plan.split, metrics: metrics,
            layer: chosen, nTrain: outcome.nTrain, nCalibration: outcome.nCalibration, nTest: outcome.nTest,
            skippedUnlabeled: data.skippedUnlabeled, maxFalseOK: plan.maxFalseOK, maxTrueFlagged: plan.maxTrueFlagged,
            groupBy: groupBy)
        let measured = try ConfidenceBaselines.measure(data, plan: plan)
        if !measured.isEmpty {
            training.baselines = measured.map(\.result)
            if let best = ConfidenceBaselines.best(measured), outcome.testScores.count == best.testScores.count {
                training.baselineComparison = BaselineComparison(
                    probe: "\(plan.kind.cliName), \(hook)", probeScores: outcome.testScores, baseline: best,
                    labels: outcome.testLabels, seed: plan.options.seed)
            }
        }
        let artifact = ProbeArtifact(model: outcome.model,
                                     identity: .init(name: h.modelName, architecture: h.modelArchitecture, sha256: h.modelSHA256),
                                     hook: hook, position: position ?? h.position.rawValue, calibration: outcome.calibration,
                                     thresholds: outcome.thresholds, training: training, createdBy: createdBy)
        try artifact.validate(path: "new artifact")
        return Output(artifact: artifact, outcome: outcome, layerScores: scores)
    }

    /// Loads activation files and scores them with a probe, refusing a model/hook/position mismatch unless allowed.
    public static func evaluate(probePath: String, paths: [String], allowMismatch: Bool) throws -> ProbeEvaluation {
        let scorer = try ProbeScorer(path: probePath)
        let loader = try ActivationLoader(paths: paths)
        let a = scorer.artifact
        for s in loader.sources {
            let h = s.reader.header
            // A probe of an extra answer position reads it from an answer capture's `/positions`.
            let extra = StoreSchema.answerPositions.contains(a.position) && h.position == .answer
            try a.checkCompatible(modelSHA256: h.modelSHA256, hook: nil, position: extra ? a.position : h.position.rawValue, dims: nil,
                                  allowMismatch: allowMismatch)
            guard h.hooks.contains(a.hook) else {
                throw ProbeError.missingHook(hook: a.hook, path: s.path, available: h.hooks)
            }
        }
        let data = try loader.dataset(hook: a.hook, position: StoreSchema.answerPositions.contains(a.position) ? a.position : nil)
        try a.checkCompatible(modelSHA256: nil, hook: nil, position: nil, dims: data.dims)
        // AUROC, recall at a false-positive rate and the flag rates are undefined on one class (hardening defect 12).
        try data.requireBothClasses("evaluation rows of \(paths.joined(separator: ", "))")
        return try ProbeEvaluation(scorer: scorer, data: data, probePath: probePath, files: paths)
    }
}
