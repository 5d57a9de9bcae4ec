import ActivationStore
import Foundation
import Hooks

/// Fits every requested probe kind on every layer and measures it on a held-out split (`polygraph sweep`).
public enum ProbeSweep {
    /// One (position, layer, kind) result.
    public struct Row: Codable, Sendable {
        /// Where in the example the activations were read (`last`, `answer`, `question`, `answer_mean`, …);
        /// nil in sweeps of one position (older reports).
        public var position: ProbePosition?
        /// The layer; of a multi-layer row, the first of `layers`.
        public var layer: Int
        /// A multi-layer row's layers, their rows concatenated in this order (nil: the one `layer`).
        public var layers: [Int]?
        /// The hook (of a multi-layer row: its hooks joined by ` + `).
        public var hook: String
        public var kind: String
        /// Metrics on the test split.
        public var test: ProbeMetrics
        public var trainAccuracy: Double
        public var fitSeconds: Double
        public var converged: Bool?
        /// Optimiser iterations (logistic, ttpd) or epochs (mlp).
        public var iterations: Int?
        /// Mean k-fold cross-validated AUROC on the training rows only (when the sweep chooses a probe).
        public var cvAUROC: Double?

        enum CodingKeys: String, CodingKey {
            case position, cvAUROC = "cv_auroc", layer, layers, hook, kind, test, trainAccuracy = "train_accuracy",
                fitSeconds =
                "fit_seconds", converged, iterations
        }
    }

    /// Everything a sweep produced.
    public struct Result: Codable, Sendable {
        public var files: [String]
        /// Separate test files (`--test-acts`), when the test rows do not come from a split.
        public var testFiles: [String]?
        public var seed: UInt64
        public var split: Double
        public var nTrain: Int
        public var nTest: Int
        public var skippedUnlabeled: Int
        public var rows: [Row]
        /// The model's own confidences measured on the same test rows (empty when the files have none).
        public var baselines: [ConfidenceBaselines.Result] = []
        /// The best probe row against the best baseline, with a bootstrap interval: the row chosen by
        /// cross-validation when there is a `selection`, else the best row on the test split.
        public var comparison: BaselineComparison?
        /// The probe chosen by cross-validation on the training rows only, and why (nil unless asked for).
        public var selection: ProbeSelection.Choice?
        public var totalSeconds: Double

        enum CodingKeys: String, CodingKey {
            case files, testFiles = "test_files", seed, split, nTrain = "n_train", nTest = "n_test", skippedUnlabeled =
                "skipped_unlabeled", rows
            case baselines, comparison = "baseline_comparison", selection, totalSeconds = "total_seconds"
        }

        /// The rows of one layer each (the per-layer series; multi-layer rows are reported beside them).
        public var singleLayerRows: [Row] { rows.filter { $0.layers == nil } }

        /// The single-layer row with the highest test AUROC over every kind (ties: lower layer, then run order).
        public var bestOverall: Row? {
            singleLayerRows.filter { $0.test.auroc.isFinite }.max {
                ($0.test.auroc, -$0.layer) < ($1.test.auroc, -$1.layer)
            }
        }

        /// The single-layer row with the highest test AUROC for `kind` (ties: lower layer).
        public func best(kind: String) -> Row? {
            singleLayerRows.filter { $0.kind == kind && $0.test.auroc.isFinite }
                .max { ($0.test.auroc, -$0.layer) < ($1.test.auroc, -$1.layer) }
        }

        /// The single-layer row with the highest test AUROC for `kind` at `position` (ties: lower layer).
        public func best(kind: String, position: ProbePosition?) -> Row? {
            singleLayerRows.filter { $0.kind == kind && $0.position == position && $0.test.auroc.isFinite }
                .max { ($0.test.auroc, -$0.layer) < ($1.test.auroc, -$1.layer) }
        }

        /// Kinds in the order they were run.
        public var kinds: [String] {
            var seen: [String] = []
            for r in rows where !seen.contains(r.kind) { seen.append(r.kind) }
            return seen
        }

        /// Positions in the order they were run (one nil for a sweep of one position).
        public var positions: [ProbePosition?] {
            var seen: [ProbePosition?] = []
            for r in rows where !seen.contains(r.position) { seen.append(r.position) }
            return seen
        }

        /// Series names: the kind, prefixed by the position when there are several.
        func seriesName(_ row: Row) -> String {
            positions.count > 1 ? "\(row.position?.rawValue ?? "?") \(row.kind)" : row.kind
        }
    }

    /// Runs the sweep of one position. `load(layer)` returns the hook name and dataset of one layer (all layers share
    /// rows and labels).
    public static func run(
        layers: [Int], kinds: [ProbeKind], plan: ProbeFitter.Plan, files: [String],
        progress: ProgressReport? = nil, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        loadTest: ((Int) throws -> ProbeDataset)? = nil,
        load: (Int) throws -> (hook: HookName, data: ProbeDataset)
    ) throws -> Result {
        try run(
            positions: [nil], layers: layers, kinds: kinds, plan: plan, files: files, progress: progress,
            workers: workers, loadTest: loadTest.map { test in { _, layer in try test(layer) } },
            load: { _, layer in try load(layer) })
    }

    /// Runs the sweep over `positions` × `layers` × `kinds`. `load(position, layer)` returns the hook name and dataset
    /// (every position and layer shares rows and labels). With `selectFolds`, every row also gets its k-fold
    /// cross-validated AUROC on the training rows only, and the result says which row that chooses and why.
    /// The calling thread loads one (position, layer) after another (HDF5 reads are serialised anyway) while up to
    /// `workers` of them are fitted on other threads; rows come back in (position, layer, kind) order whatever the
    /// finishing order, and every fit is the same as in a serial run.
    /// With `selectFolds` and `loadLayers` (position, layers → hooks and the rows concatenated; `loadTestLayers` the
    /// same for test files), each position and kind's best layer by CV is also fitted concatenated with its 1, 2
    /// and 3 next-best layers; those rows are reported beside the single layers, and the choice takes one only when
    /// its CV AUROC beats the chosen single layer by `ProbeSelection.concatenationMargin`.
    public static func run(
        positions: [ProbePosition?], layers: [Int], kinds: [ProbeKind], plan: ProbeFitter.Plan,
        files: [String], selectFolds: Int? = nil, progress: ProgressReport? = nil,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        loadTest: ((ProbePosition?, Int) throws -> ProbeDataset)? = nil,
        loadLayers: ((ProbePosition?, [Int]) throws -> (hooks: [HookName], data: ProbeDataset))? = nil,
        loadTestLayers: ((ProbePosition?, [Int]) throws -> ProbeDataset)? = nil,
        load: (ProbePosition?, Int) throws -> (hook: HookName, data: ProbeDataset)
    ) throws -> Result {
        let started = Date()
        // Layers fit in parallel, one per core (each fit's BLAS calls on its own thread); data is read here, in order.
        let units = positions.flatMap { p in layers.map { (position: p, layer: $0) } }
        let total = units.count * kinds.count
        let fitting = OrderedParallel<Fitted>(workers: workers)
        var skipped = 0
        var firstData: ProbeDataset?, firstTest: ProbeDataset?
        for unit in units where !fitting.failed {
            let hook: HookName, data: ProbeDataset, testData: ProbeDataset?
            do {
                (hook, data) = try load(unit.position, unit.layer)
                testData = try loadTest?(unit.position, unit.layer)
            } catch {
                _ = try? fitting.results()  // let the fits in flight end first
                throw error
            }
            skipped = data.skippedUnlabeled
            if firstData == nil { firstData = data; firstTest = testData }
            for kind in kinds {
                fitting.submit {
                    var fitted = try fitOne(
                        layer: unit.layer, hook: hook.description, kind: kind, data: data, testData: testData,
                        plan: plan)
                    fitted.row.position = unit.position
                    if let folds = selectFolds {
                        fitted.row.cvAUROC = try ProbeSelection.crossValidatedAUROC(
                            data, kind: kind, plan: plan, folds: folds, separateTest: testData != nil)
                    }
                    return fitted
                } finished: { fitted, done in
                    let cv = fitted.row.cvAUROC.map { String(format: ", CV %.3f", $0) } ?? ""
                    progress?(
                        done, total,
                        "\(unit.position.map { "\($0) " } ?? "")layer \(unit.layer) \(kind.cliName) "
                            + String(format: "AUROC %.3f", fitted.row.test.auroc) + cv)
                }
            }
        }
        var fits = try fitting.results()
        if let folds = selectFolds, let loadLayers {
            fits += try concatenationFits(
                fits.map(\.row), kinds: kinds, plan: plan, folds: folds, load: loadLayers, loadTest: loadTestLayers,
                progress: progress)
        }
        var result = Result(
            files: files, testFiles: nil, seed: plan.options.seed, split: plan.split,
            nTrain: fits.last?.nTrain ?? 0, nTest: fits.last?.nTest ?? 0, skippedUnlabeled: skipped,
            rows: fits.map(\.row), totalSeconds: 0)
        if let folds = selectFolds {
            result.selection = ProbeSelection.choose(
                result.singleLayerRows, folds: folds, grouped: plan.useGroups,
                nRows: (fits.last?.nTrain ?? 0) + (fits.last?.nCalibration ?? 0), withinGroups: plan.cvWithinGroups
            ).map { choice in
                let tried = result.rows.filter {
                    $0.layers != nil && $0.layer == choice.layer && $0.position == choice.position
                        && $0.kind == choice.kind
                }
                return ProbeSelection.extend(choice, tried: tried.compactMap(\.candidate))
            }
        }
        if let firstData {
            let measured = try ConfidenceBaselines.measure(firstData, plan: plan, testData: firstTest)
            result.baselines = measured.map(\.result)
            let compared =
                result.selection.flatMap { c in
                    result.rows.firstIndex {
                        $0.position == c.position && $0.layer == c.layer && $0.layers == c.chosen.layers
                            && $0.kind == c.kind
                    }
                }
                ?? result.bestOverall.flatMap { b in
                    result.rows.firstIndex {
                        $0.position == b.position && $0.layer == b.layer && $0.layers == nil && $0.kind == b.kind
                    }
                }
            if let baseline = ConfidenceBaselines.best(measured), let index = compared,
                fits[index].testScores.count == baseline.testScores.count
            {
                let row = fits[index].row
                result.comparison = BaselineComparison(
                    probe:
                        "\(result.selection == nil ? "" : "chosen by CV: ")\(row.position.map { "\($0), " } ?? "")\(row.kind), \(row.layers == nil ? "layer" : "layers") \(row.layerLabel)",
                    probeScores: fits[index].testScores, baseline: baseline, labels: fits[index].testLabels,
                    seed: plan.options.seed)
            }
        }
        result.totalSeconds = Date().timeIntervalSince(started)
        return result
    }

    /// One (layer, kind) fit and its test metrics.
    struct Fitted: Sendable {
        var row: Row
        var nTrain: Int, nCalibration: Int, nTest: Int
        /// Raw test scores and labels, for the comparison with the baselines.
        var testScores: [Double], testLabels: [UInt8]
    }

    static func fitOne(
        layer: Int, hook: String, kind: ProbeKind, data: ProbeDataset, testData: ProbeDataset?,
        plan: ProbeFitter.Plan
    ) throws -> Fitted {
        var p = plan
        p.kind = kind
        if testData != nil { p.split = 1 }  // separate test files: train on every row
        let t0 = Date()
        var outcome = try ProbeFitter.fit(data, plan: p)
        let seconds = Date().timeIntervalSince(t0)
        if let testData {
            try testData.requireBothClasses("test files")
            let scores = try outcome.model.rawScores(testData)
            outcome.test = ProbeMetrics(
                scores: scores, probabilities: scores.map(outcome.calibration.probability),
                labels: testData.labels)
            outcome.nTest = testData.count
            outcome.testScores = scores
            outcome.testLabels = testData.labels
        }
        guard let test = outcome.test else {
            throw ProbeError.invalidOption(
                name: "split", value: "\(plan.split)", expected: "below 1 for a sweep (it needs test rows)")
        }
        let row = Row(
            position: nil, layer: layer, hook: hook, kind: kind.cliName, test: test,
            trainAccuracy: outcome.train.accuracy,
            fitSeconds: seconds, converged: outcome.model.parameters.converged,
            iterations: outcome.model.parameters.iterations)
        return Fitted(
            row: row, nTrain: outcome.nTrain, nCalibration: outcome.nCalibration, nTest: outcome.nTest,
            testScores: outcome.testScores,
            testLabels: outcome.testLabels)
    }
}
