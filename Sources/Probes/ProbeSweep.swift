import ActivationStore
import Foundation

/// Fits every requested probe kind on every layer and measures it on a held-out split (`polygraph sweep`).
public enum ProbeSweep {
    /// One (layer, kind) result.
    public struct Row: Codable, Sendable {
        public var layer: Int
        public var hook: String
        public var kind: String
        /// Metrics on the test split.
        public var test: ProbeMetrics
        public var trainAccuracy: Double
        public var fitSeconds: Double
        public var converged: Bool?
        /// Optimiser iterations (logistic, ttpd) or epochs (mlp).
        public var iterations: Int?

        enum CodingKeys: String, CodingKey {
            case layer, hook, kind, test, trainAccuracy = "train_accuracy", fitSeconds = "fit_seconds", converged, iterations
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
        /// The best probe row against the best baseline, with a bootstrap interval.
        public var comparison: BaselineComparison?
        public var totalSeconds: Double

        enum CodingKeys: String, CodingKey {
            case files, testFiles = "test_files", seed, split, nTrain = "n_train", nTest = "n_test", skippedUnlabeled = "skipped_unlabeled", rows
            case baselines, comparison = "baseline_comparison", totalSeconds = "total_seconds"
        }

        /// The row with the highest test AUROC over every kind (ties: lower layer, then run order).
        public var bestOverall: Row? {
            rows.filter { $0.test.auroc.isFinite }.max { ($0.test.auroc, -$0.layer) < ($1.test.auroc, -$1.layer) }
        }

        /// The row with the highest test AUROC for `kind` (ties: lower layer).
        public func best(kind: String) -> Row? {
            rows.filter { $0.kind == kind && $0.test.auroc.isFinite }
                .max { ($0.test.auroc, -$0.layer) < ($1.test.auroc, -$1.layer) }
        }

        /// Kinds in the order they were run.
        public var kinds: [String] {
            var seen: [String] = []
            for r in rows where !seen.contains(r.kind) { seen.append(r.kind) }
            return seen
        }
    }

    /// Runs the sweep. `load(layer)` returns the hook name and dataset of one layer (all layers share rows and labels).
    /// The calling thread loads layer after layer (HDF5 reads are serialised anyway) while up to `workers` layers are
    /// fitted on other threads; rows come back in (layer, kind) order whatever the finishing order, and every fit is
    /// the same as in a serial run.
    public static func run(layers: [Int], kinds: [ProbeKind], plan: ProbeFitter.Plan, files: [String],
                           progress: ProgressReport? = nil, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                           loadTest: ((Int) throws -> ProbeDataset)? = nil,
                           load: (Int) throws -> (hook: String, data: ProbeDataset)) throws -> Result {
        let started = Date()
        let state = SweepState(slots: layers.count * kinds.count)
        let inFlight = DispatchSemaphore(value: max(1, workers))
        let group = DispatchGroup()
        var skipped = 0
        var firstData: ProbeDataset?, firstTest: ProbeDataset?
        for (li, layer) in layers.enumerated() {
            inFlight.wait()
            if state.failed { inFlight.signal(); break }
            let hook: String, data: ProbeDataset, testData: ProbeDataset?
            do {
                (hook, data) = try load(layer)
                testData = try loadTest?(layer)
            } catch {
                state.fail(error); inFlight.signal(); break
            }
            skipped = data.skippedUnlabeled
            if firstData == nil { firstData = data; firstTest = testData }
            DispatchQueue.global().async(group: group) {
                defer { inFlight.signal() }
                do {
                    for (ki, kind) in kinds.enumerated() where !state.failed {
                        let fitted = try fitOne(layer: layer, hook: hook, kind: kind, data: data, testData: testData, plan: plan)
                        let done = state.store(fitted, slot: li * kinds.count + ki)
                        progress?(done, layers.count * kinds.count,
                                  "layer \(layer) \(kind.cliName) AUROC \(String(format: "%.3f", fitted.row.test.auroc))")
                    }
                } catch {
                    state.fail(error)
                }
            }
        }
        group.wait()
        if let error = state.error { throw error }
        let fits = state.results.compactMap { $0 }
        var result = Result(files: files, testFiles: nil, seed: plan.options.seed, split: plan.split,
                            nTrain: fits.last?.nTrain ?? 0, nTest: fits.last?.nTest ?? 0, skippedUnlabeled: skipped,
                            rows: fits.map(\.row), totalSeconds: 0)
        if let firstData {
            let measured = try ConfidenceBaselines.measure(firstData, plan: plan, testData: firstTest)
            result.baselines = measured.map(\.result)
            if let baseline = ConfidenceBaselines.best(measured), let best = result.bestOverall,
               let fit = fits.first(where: { $0.row.layer == best.layer && $0.row.kind == best.kind }),
               fit.testScores.count == baseline.testScores.count {
                result.comparison = BaselineComparison(probe: "\(best.kind), layer \(best.layer)", probeScores: fit.testScores,
                                                       baseline: baseline, labels: fit.testLabels, seed: plan.options.seed)
            }
        }
        result.totalSeconds = Date().timeIntervalSince(started)
        return result
    }

    /// One (layer, kind) fit and its test metrics.
    private struct Fitted: Sendable {
        var row: Row
        var nTrain: Int, nTest: Int
        /// Raw test scores and labels, for the comparison with the baselines.
        var testScores: [Double], testLabels: [UInt8]
    }

    private static func fitOne(layer: Int, hook: String, kind: ProbeKind, data: ProbeDataset, testData: ProbeDataset?,
                               plan: ProbeFitter.Plan) throws -> Fitted {
        var p = plan
        p.kind = kind
        if testData != nil { p.split = 1 }  // separate test files: train on every row
        let t0 = Date()
        var outcome = try ProbeFitter.fit(data, plan: p)
        let seconds = Date().timeIntervalSince(t0)
        if let testData {
            try testData.requireBothClasses("test files")
            let scores = outcome.model.rawScores(testData)
            outcome.test = ProbeMetrics(scores: scores, probabilities: scores.map(outcome.calibration.probability),
                                        labels: testData.labels)
            outcome.nTest = testData.count
            outcome.testScores = scores
            outcome.testLabels = testData.labels
        }
        guard let test = outcome.test else {
            throw ProbeError.invalidOption(name: "split", value: "\(plan.split)", expected: "below 1 for a sweep (it needs test rows)")
        }
        let row = Row(layer: layer, hook: hook, kind: kind.cliName, test: test, trainAccuracy: outcome.train.accuracy,
                      fitSeconds: seconds, converged: outcome.model.parameters.converged,
                      iterations: outcome.model.parameters.iterations)
        return Fitted(row: row, nTrain: outcome.nTrain, nTest: outcome.nTest, testScores: outcome.testScores,
                      testLabels: outcome.testLabels)
    }

    /// Results and the first error, shared by the fitting threads.
    private final class SweepState: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Fitted?]
        private var firstError: Error?
        private var done = 0

        init(slots count: Int) { slots = Array(repeating: nil, count: count) }

        var failed: Bool { lock.withLock { firstError != nil } }
        var error: Error? { lock.withLock { firstError } }
        var results: [Fitted?] { lock.withLock { slots } }

        /// Stores one result; returns how many are done.
        func store(_ fitted: Fitted, slot: Int) -> Int {
            lock.withLock { slots[slot] = fitted; done += 1; return done }
        }

        func fail(_ error: Error) { lock.withLock { if firstError == nil { firstError = error } } }
    }

    /// Fixed-width table: one line per (layer, kind).
    public static func table(_ result: Result) -> String {
        func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return left ? s + fill : fill + s
        }
        var out = pad("layer", 5, left: true) + " " + pad("kind", 14, left: true)
        for h in ["acc", "auroc", "auprc", "ece", "brier", "r@1%", "r@5%", "fit_s"] { out += " " + pad(h, 7) }
        out += "\n"
        for r in result.rows {
            out += pad("\(r.layer)", 5, left: true) + " " + pad(r.kind, 14, left: true)
            for v in [r.test.accuracy, r.test.auroc, r.test.auprc, r.test.ece, r.test.brier, r.test.recallAt1FPR, r.test.recallAt5FPR, r.fitSeconds] {
                out += " " + pad(String(format: "%.3f", v), 7)
            }
            out += "\n"
        }
        for kind in result.kinds {
            if let b = result.best(kind: kind) {
                out += String(format: "best %@: layer %d (AUROC %.3f, accuracy %.3f)\n", kind as NSString, b.layer, b.test.auroc, b.test.accuracy)
            }
        }
        out += baselineLines(result)
        return out
    }

    /// SVG: AUROC (solid) and accuracy (dashed) by layer, one colour per kind.
    public static func plot(_ result: Result) -> String {
        var series: [SVGChart.Series] = [], keys: [String] = []
        for kind in result.kinds {
            let rows = result.rows.filter { $0.kind == kind }
            series.append(.init(name: "\(kind) AUROC", points: rows.map { (Double($0.layer), $0.test.auroc) }))
            series.append(.init(name: "\(kind) accuracy", points: rows.map { (Double($0.layer), $0.test.accuracy) }, dashed: true))
            keys += [kind, kind]
        }
        if let best = result.baselines.filter({ $0.test.auroc.isFinite }).max(by: { $0.test.auroc < $1.test.auroc }),
           let low = result.rows.map(\.layer).min(), let high = result.rows.map(\.layer).max() {
            series.append(.init(name: "baseline \(best.name) AUROC", points: [(Double(low), best.test.auroc),
                                                                            (Double(high), best.test.auroc)], dashed: true))
            keys.append("baseline")
        }
        let low = max(0, min(0.4, (result.rows.map { min($0.test.auroc, $0.test.accuracy) }.filter(\.isFinite).min() ?? 0.4) - 0.05))
        return SVGChart.lines(title: "Probe quality by layer (test split, n=\(result.nTest))", xLabel: "layer",
                              yLabel: "AUROC (solid) / accuracy (dashed)", series: series,
                              yRange: (low * 10).rounded(.down) / 10...1.0, colorKeys: keys)
    }

    /// Markdown summary: setup, best layer per kind, and the full table.
    public static func markdown(_ result: Result) -> String {
        var md = "# Probe sweep\n\n"
        md += "- activation files: \(result.files.map { "`\($0)`" }.joined(separator: ", "))\n"
        if let t = result.testFiles { md += "- test files: \(t.map { "`\($0)`" }.joined(separator: ", ")) (training used every labeled row)\n" }
        md += "- split: \(result.split) train / \(String(format: "%.2f", 1 - result.split)) test (stratified, seed \(result.seed)); "
        md += "\(result.nTrain) train rows, \(result.nTest) test rows, \(result.skippedUnlabeled) unlabeled rows skipped\n"
        md += String(format: "- total time: %.2f s\n\n", result.totalSeconds)
        md += "![AUROC and accuracy by layer](sweep.svg)\n\n## Best layer per kind (test AUROC)\n\n| kind | layer | AUROC | accuracy | ECE | recall@1%FPR |\n|---|---|---|---|---|---|\n"
        for kind in result.kinds {
            if let b = result.best(kind: kind) {
                md += String(format: "| %@ | %d | %.3f | %.3f | %.3f | %.3f |\n", kind as NSString, b.layer, b.test.auroc, b.test.accuracy, b.test.ece, b.test.recallAt1FPR)
            }
        }
        md += baselineMarkdown(result)
        md += "\nThe best layer is chosen on the test split itself, so these numbers are slightly optimistic; "
        md += "`polygraph train --layer best` picks the layer by cross-validation on the training rows instead.\n\n"
        md += "## All layers\n\n| layer | kind | accuracy | AUROC | AUPRC | ECE | Brier | recall@1% | recall@5% | fit s |\n|---|---|---|---|---|---|---|---|---|---|\n"
        for r in result.rows {
            md += String(format: "| %d | %@ | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", r.layer, r.kind as NSString,
                         r.test.accuracy, r.test.auroc, r.test.auprc, r.test.ece, r.test.brier, r.test.recallAt1FPR, r.test.recallAt5FPR, r.fitSeconds)
        }
        return md
    }
}
