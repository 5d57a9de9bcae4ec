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
        /// The layer with the best k-fold cross-validated AUROC on the training split (then, with `multiLayer`, its
        /// concatenations with the next-best layers, kept when they beat it by `ProbeSelection.concatenationMargin`).
        case best(folds: Int)
        /// A multi-layer probe: these layers' rows concatenated, in this order (2 to `ProbeArtifact.maxHooks`).
        case layers([Int])

        /// Parses `--layer`: a number or `best`.
        public init(_ text: String, folds: Int = 5) throws {
            if text.lowercased() == "best" { self = .best(folds: folds); return }
            guard let l = Int(text), l >= 0 else {
                throw ProbeError.invalidOption(
                    name: "layer", value: text, expected: "a layer number (0-based) or 'best'")
            }
            self = .index(l)
        }

        /// Reads `--layers`: a layer list (`19,21,23`, `20-23`: the shared `LayerSelection` grammar, ascending) of
        /// 2 to `ProbeArtifact.maxHooks` layers.
        public init(layers text: String) throws {
            let expected = "2 to \(ProbeArtifact.maxHooks) layers, e.g. 19,21,23 or 20-22"
            guard case .layers(let layers) = try? LayerSelection(parsing: text),
                (2...ProbeArtifact.maxHooks).contains(layers.count)
            else { throw ProbeError.invalidOption(name: "layers", value: text, expected: expected) }
            self = .layers(layers)
        }

        /// The layer sets to choose among: every stored layer alone for `best`.
        func candidates(stored: [Int]) -> [[Int]] {
            switch self {
            case .index(let l): [[l]]
            case .best: stored.map { [$0] }
            case .layers(let ls): [ls]
            }
        }

        /// Folds for cross-validation (5 when a fixed layer still leaves positions to choose among).
        var folds: Int {
            if case .best(let k) = self { return k }
            return 5
        }
    }

    /// Result of a training job.
    public struct Output {
        public var artifact: ProbeArtifact
        public var outcome: ProbeFitter.Outcome
        /// Layer → best cross-validated AUROC (over positions and C) when the layer was chosen with `best`.
        public var layerScores: [(layer: Int, auroc: Double)]
        /// What cross-validation chose among positions × layers × C, and why (nil when nothing was chosen).
        public var selection: ProbeSelection.Choice?
    }

    /// Trains per `plan` on the files' activations of `hook` at `layer` (a full hook name needs no layer).
    /// `progress` hears of each candidate scored while choosing.
    /// With `layer: .best`, `regularization` lists C values to choose from jointly with the layer, by the same
    /// cross-validation on the training rows (logistic and hybrid kinds); nil keeps `plan.options.c`.
    /// `positions` lists answer positions to choose among the same way (nil: the file's own position; a name from
    /// `StoreSchema.answerPositions` reads `/positions`); by default only `position`. `kinds` lists probe kinds to
    /// choose among the same way (by default only `plan.kind`).
    /// `budget` decides whether rows are read into memory or streamed; `streamProgress` hears of streamed chunks.
    /// `multiLayer`: with `layer: .best`, also try the best layer concatenated with its next-best layers.
    public static func run(
        paths: [String], plan: ProbeFitter.Plan, layer: LayerChoice?,
        hook pattern: HookPattern = .perLayer(.residPost), groupBy: String? = nil,
        regularization: [Double]? = nil, position: ProbePosition? = nil, positions: [ProbePosition?]? = nil,
        kinds: [ProbeKind]? = nil, progress: ProgressReport? = nil, budget: MemoryBudget = .default,
        streamProgress: ActivationRows.StreamProgress? = nil, multiLayer: Bool = true
    ) throws -> Output {
        let loader = try ActivationLoader(paths: paths, budget: budget)
        loader.progress = streamProgress
        loader.startHashing()  // the artifact records each file's sha256; on a large store that overlaps training
        var plan = plan
        plan.useGroups = groupBy != nil
        var chosen: Int?
        var hooks: [HookName]
        var position = position
        var scores: [(layer: Int, auroc: Double)] = []
        var selection: ProbeSelection.Choice?
        // Among several positions, those some file lacks (older captures) are left out of the choice.
        var candidatePositions = positions ?? [position]
        if candidatePositions.count > 1 {
            let stored = candidatePositions.filter { loader.stores(position: $0) }
            if !stored.isEmpty { candidatePositions = stored }
        }
        let candidateKinds = kinds ?? [plan.kind]
        if pattern.isFullName {
            if case .layers = layer {
                throw ProbeError.invalidOption(
                    name: "layers", value: pattern.description,
                    expected:
                        "a per-layer --hook (resid_post, mlp_out, …) to concatenate layers, not one full hook name")
            }
            guard candidateKinds.count == 1 else {
                throw ProbeError.invalidOption(
                    name: "probe", value: "several", expected: "one kind with a full --hook name")
            }
            plan.kind = candidateKinds[0]
            guard candidatePositions.count == 1 else {
                throw ProbeError.invalidOption(
                    name: "answer-position", value: "several", expected: "one position with a full --hook name")
            }
            hooks = [pattern.name(layer: 0)]
            chosen = pattern.fixedLayer
            position = candidatePositions[0]
        } else {
            guard let layer else {
                throw ProbeError.invalidOption(
                    name: "layer", value: "(missing)", expected: "a layer number or 'best' (or a full --hook name)")
            }
            var layerSet: [Int]
            switch layer {
            case .index(let l) where candidatePositions.count == 1 && candidateKinds.count == 1:
                layerSet = [l]
                position = candidatePositions[0]
                plan.kind = candidateKinds[0]
            case .layers(let ls) where candidatePositions.count == 1 && candidateKinds.count == 1:
                layerSet = ls
                position = candidatePositions[0]
                plan.kind = candidateKinds[0]
            case .index, .best, .layers:
                let layers = layer.candidates(stored: loader.layers(of: pattern)), folds = layer.folds
                guard !layers.isEmpty else {
                    throw ProbeError.missingHook(
                        hook: pattern.name(layer: 0), path: paths[0],
                        available: loader.header.hooks)
                }
                // Kind × C pairs tried at every position and layer (C only for the kinds it regularises).
                let grid: [(kind: ProbeKind, c: Double?)] = candidateKinds.flatMap { kind in
                    ([ProbeKind.logistic, .hybrid].contains(kind) ? regularization?.map { $0 } ?? [nil] : [nil]).map {
                        (kind, $0)
                    }
                }
                var nRows = 0
                let total = candidatePositions.count * layers.count * grid.count
                // Candidates cross-validate in parallel, one per core; data is read here, in order.
                let scoring = OrderedParallel<ProbeSelection.Candidate>()
                let filePosition = ProbePosition(loader.header.position), fixedPlan = plan
                for p in candidatePositions where !scoring.failed {
                    for set in layers where !scoring.failed {
                        let data = try loader.dataset(
                            hooks: set.map(pattern.name(layer:)), groupBy: groupBy, position: p)
                        nRows = try ProbeSelection.trainingRows(data, plan: plan, separateTest: false).count
                        for (kind, c) in grid {
                            scoring.submit {
                                let auroc = try ProbeSelection.crossValidatedAUROC(
                                    data, kind: kind, plan: fixedPlan, folds: folds, separateTest: false, c: c)
                                return ProbeSelection.Candidate(
                                    position: p ?? filePosition, layer: set[0], kind: kind.cliName, c: c,
                                    cvAUROC: auroc, layers: set)
                            } finished: { candidate, done in
                                progress?(
                                    done, total, candidate.label + String(format: " CV AUROC %.3f", candidate.cvAUROC))
                            }
                        }
                    }
                }
                let candidates = try scoring.results()
                for set in layers where set.count == 1 {
                    scores.append(
                        (
                            set[0],
                            candidates.filter { $0.layers == nil && $0.layer == set[0] }
                                .map(\.cvAUROC).max() ?? .nan
                        ))
                }
                guard
                    var choice = ProbeSelection.choose(
                        candidates, folds: folds, grouped: plan.useGroups, nRows: nRows,
                        withinGroups: plan.cvWithinGroups)
                else {
                    throw ProbeError.tooFewRows(
                        needed: 2 * folds, found: nRows, context: "\(folds)-fold cross-validation")
                }
                if case .best = layer, multiLayer {
                    choice = try tryConcatenations(
                        choice, candidates: candidates, loader: loader, pattern: pattern, plan: plan, folds: folds,
                        groupBy: groupBy, regularization: regularization, progress: progress)
                }
                selection = choice
                layerSet = choice.layers
                // Labels name the file's own position too; only the extra answer positions read `/positions`.
                position = choice.position?.storedExtra
                if let c = choice.chosen.c { plan.options.c = c }
                plan.kind = try ProbeKind(cliName: choice.kind)
            }
            chosen = layerSet[0]
            hooks = layerSet.map { pattern.name(layer: $0) }
        }
        let data = try loader.dataset(hooks: hooks, groupBy: groupBy, position: position)
        let outcome = try ProbeFitter.fit(data, plan: plan)
        var metrics = ["train": outcome.train]
        if let test = outcome.test { metrics["test"] = test }
        let h = loader.header
        var training = ProbeArtifact.TrainingRecord(
            datasets: try loader.datasetRecords(for: data), seed: plan.options.seed, split: plan.split,
            metrics: metrics,
            layer: chosen, nTrain: outcome.nTrain, nCalibration: outcome.nCalibration, nTest: outcome.nTest,
            skippedUnlabeled: data.skippedUnlabeled, maxFalseOK: plan.maxFalseOK, maxTrueFlagged: plan.maxTrueFlagged,
            groupBy: groupBy)
        training.selection = selection
        if plan.options.centerWithinGroups { training.centeredWithinGroups = true }
        let measured = try ConfidenceBaselines.measure(data, plan: plan)
        if !measured.isEmpty {
            training.baselines = measured.map(\.result)
            if let best = ConfidenceBaselines.best(measured), outcome.testScores.count == best.testScores.count {
                training.baselineComparison = BaselineComparison(
                    probe: "\(plan.kind.cliName), \(hooks.map(\.description).joined(separator: " + "))",
                    probeScores: outcome.testScores,
                    baseline: best,
                    labels: outcome.testLabels, seed: plan.options.seed)
            }
        }
        let artifact = ProbeArtifact(
            model: outcome.model,
            identity: .init(name: h.modelName, architecture: h.modelArchitecture, sha256: h.modelSHA256),
            hook: hooks[0], position: position ?? ProbePosition(h.position),
            calibration: outcome.calibration,
            thresholds: outcome.thresholds, training: training, createdBy: createdBy, hooks: hooks)
        try artifact.validate(path: "new artifact")
        return Output(artifact: artifact, outcome: outcome, layerScores: scores, selection: selection)
    }

    /// Loads activation files and scores them with a probe, refusing a model/hook/position mismatch unless allowed.
    public static func evaluate(
        probePath: String, paths: [String], allowMismatch: Bool, groupBy: String? = nil,
        budget: MemoryBudget = .default, streamProgress: ActivationRows.StreamProgress? = nil
    ) throws -> ProbeEvaluation {
        try evaluate(
            probePath: probePath, paths: paths, allowMismatch: allowMismatch, groupBy: groupBy, budget: budget,
            streamProgress: streamProgress, withScores: false
        ).evaluation
    }

    /// `evaluate`, and with `withScores` every row's score too (`eval --scores`).
    public static func evaluate(
        probePath: String, paths: [String], allowMismatch: Bool, groupBy: String? = nil,
        budget: MemoryBudget = .default, streamProgress: ActivationRows.StreamProgress? = nil, withScores: Bool
    ) throws -> (evaluation: ProbeEvaluation, scores: EvaluationScores?) {
        let scorer = try ProbeScorer(path: probePath)
        let loader = try ActivationLoader(paths: paths, budget: budget)
        loader.progress = streamProgress
        let a = scorer.artifact
        for s in loader.sources {
            let h = s.reader.header
            // A probe of an extra answer position reads it from an answer capture's `/positions` (position answer, or
            // all when the answers were captured with every token's rows).
            let extra = a.position.isAnswerExtra && s.reader.isAnswerCapture
            try a.checkCompatible(
                modelSHA256: h.modelSHA256, hook: nil, position: extra ? a.position : ProbePosition(h.position),
                dims: nil,
                allowMismatch: allowMismatch)
            for hook in a.inputHooks where !h.hooks.contains(hook) {
                throw ProbeError.missingHook(hook: hook, path: s.path, available: h.hooks)
            }
        }
        // Measured within groups too: those of `groupBy` (every file must have the column), else those the probe was
        // trained with (e.g. topics) when every file carries them.
        let groupColumn =
            groupBy
            ?? a.training.groupBy.flatMap { column in
                loader.sources.allSatisfy { $0.reader.metaColumns.contains(column) } ? column : nil
            }
        let data = try loader.dataset(
            hooks: a.inputHooks, groupBy: groupColumn, position: a.position.storedExtra)
        try a.checkCompatible(modelSHA256: nil, hook: nil, position: nil, dims: data.dims)
        // AUROC, recall at a false-positive rate and the flag rates are undefined on one class (hardening defect 12).
        try data.requireBothClasses("evaluation rows of \(paths.joined(separator: ", "))")
        let raw = try scorer.model.rawScores(data)
        let evaluation = try ProbeEvaluation(
            scorer: scorer, data: data, probePath: probePath, files: paths, groupColumn: groupColumn, raw: raw)
        guard withScores else { return (evaluation, nil) }
        return (
            evaluation,
            try EvaluationScores.collect(
                sources: loader.sources, data: data, groupColumn: groupColumn, raw: raw, scorer: scorer)
        )
    }
}
