/// The full training recipe behind `polygraph train`: split, fit, calibrate, choose thresholds, measure.
public enum ProbeFitter {
    /// What to do; defaults match the CLI.
    public struct Plan: Sendable {
        public var kind: ProbeKind
        /// Fraction of labeled rows used for fitting (+ calibration); the rest is the test split. 1 = no test split.
        public var split: Double = 0.8
        /// Hold out part of the training rows to fit Platt scaling and thresholds on.
        public var calibrate: Bool = false
        /// Fraction of the training rows held out for calibration when `calibrate`.
        public var calibrationFraction: Double = 0.25
        /// With `calibrate`: fit Platt scaling and the thresholds on the out-of-fold scores of this many
        /// cross-validation folds over the training rows (grouped when `useGroups`) instead of holding rows out;
        /// the probe itself is fitted on all of them. Scores of unseen groups calibrate for unseen groups.
        public var calibrationFolds: Int?
        /// "platt" (the default), "isotonic", or "auto": whichever of the two has the lower expected calibration
        /// error on held-out folds (`Calibration.choosing`; needs `calibrationFolds`).
        public var calibrationMethod = "platt"
        /// Target rates for the flag thresholds.
        public var maxFalseOK: Double = 0.05
        public var maxTrueFlagged: Double = 0.05
        /// Keep groups on one side of each split (needs `ProbeDataset.groups`).
        public var useGroups: Bool = false
        /// With `useGroups`: cross-validation scores a candidate by its mean AUROC within each held-out group
        /// (`ProbeMetrics.withinGroupAUROC`) instead of the mean AUROC of each fold (`--cv-metric within-group`).
        public var cvWithinGroups: Bool = false
        public var options = ProbeTrainingOptions()

        public init(kind: ProbeKind) { self.kind = kind }
    }

    /// A fitted, calibrated probe with its held-out numbers.
    public struct Outcome: Sendable {
        public var model: ProbeModel
        public var calibration: Calibration
        public var thresholds: FlagThresholds
        /// Metrics on the test split (nil when split = 1).
        public var test: ProbeMetrics?
        public var train: ProbeMetrics
        public var nTrain: Int, nCalibration: Int, nTest: Int
        /// Test rows' raw scores, calibrated probabilities and labels (for reports).
        public var testScores: [Double], testProbabilities: [Double], testLabels: [UInt8]
    }

    /// The rows `fit` trains on, calibrates on and tests on (the confidence baselines use the same ones).
    public struct Rows: Sendable {
        public var train: [Int], calibration: [Int], test: [Int]
    }

    /// Splits `data` as the plan says: a stratified (optionally grouped) test split, then a calibration split of
    /// the training rows when `calibrate`.
    public static func rows(_ data: ProbeDataset, plan: Plan) throws -> Rows {
        let groups = plan.useGroups ? data.groups : nil
        if plan.useGroups && groups == nil {
            throw ProbeError.missingColumn(name: "group", available: [])
        }
        guard plan.split > 0, plan.split <= 1 else {
            throw ProbeError.invalidOption(name: "split", value: "\(plan.split)", expected: "a fraction in (0, 1]")
        }
        var trainRows = Array(0..<data.count), testRows: [Int] = []
        if plan.split < 1 {
            let s = try DataSplit.stratified(
                labels: data.labels, trainFraction: plan.split, seed: plan.options.seed, groups: groups)
            trainRows = s.train; testRows = s.test
        }
        var calRows: [Int] = []
        if plan.calibrate && plan.calibrationFolds == nil {
            let trainLabels = trainRows.map { data.labels[$0] }
            let s = try DataSplit.stratified(
                labels: trainLabels, trainFraction: 1 - plan.calibrationFraction,
                seed: plan.options.seed &+ 1, groups: groups.map { g in trainRows.map { g[$0] } })
            calRows = s.test.map { trainRows[$0] }
            trainRows = s.train.map { trainRows[$0] }
        }
        return Rows(train: trainRows, calibration: calRows, test: testRows)
    }

    /// Runs the plan on `data`.
    public static func fit(_ data: ProbeDataset, plan: Plan) throws -> Outcome {
        try data.requireBothClasses("training data")
        let split = try rows(data, plan: plan)
        let trainRows = split.train, calRows = split.calibration, testRows = split.test
        let fitSet = data.subset(trainRows)
        try fitSet.requireBothClasses("training split")
        let model = try ProbeTrainer.train(plan.kind, on: fitSet, options: plan.options)
        let trainScores = try model.rawScores(fitSet)
        let calibration: Calibration
        let thresholds: FlagThresholds
        if plan.calibrate, let folds = plan.calibrationFolds {
            let oof = try outOfFoldScores(
                fitSet, kind: plan.kind, folds: folds, useGroups: plan.useGroups, options: plan.options)
            calibration =
                plan.calibrationMethod == "auto"
                ? try Calibration.choosing(
                    among: Calibration.methods, scores: oof.scores, labels: oof.labels, folds: oof.folds,
                    fittedOn: "out-of-fold")
                : try Calibration(
                    method: plan.calibrationMethod, fitting: oof.scores, labels: oof.labels, fittedOn: "out-of-fold")
            thresholds = FlagThresholds(
                choosingOn: oof.scores.map(calibration.probability), labels: oof.labels,
                maxFalseOK: plan.maxFalseOK, maxTrueFlagged: plan.maxTrueFlagged)
        } else if plan.calibrate {
            let calSet = data.subset(calRows)
            try calSet.requireBothClasses("calibration split")
            let scores = try model.rawScores(calSet)
            calibration = try Calibration(
                method: plan.calibrationMethod, fitting: scores, labels: calSet.labels, fittedOn: "calibration")
            thresholds = FlagThresholds(
                choosingOn: scores.map(calibration.probability), labels: calSet.labels,
                maxFalseOK: plan.maxFalseOK, maxTrueFlagged: plan.maxTrueFlagged)
        } else {
            calibration = try Calibration(
                method: plan.calibrationMethod, fitting: trainScores, labels: fitSet.labels, fittedOn: "train")
            thresholds = FlagThresholds(
                choosingOn: trainScores.map(calibration.probability), labels: fitSet.labels,
                maxFalseOK: plan.maxFalseOK, maxTrueFlagged: plan.maxTrueFlagged)
        }
        let trainMetrics = ProbeMetrics(
            scores: trainScores, probabilities: trainScores.map(calibration.probability),
            labels: fitSet.labels)
        var test: ProbeMetrics?
        var ts: [Double] = [], tp: [Double] = [], tl: [UInt8] = []
        if !testRows.isEmpty {
            let testSet = data.subset(testRows)
            ts = try model.rawScores(testSet); tp = ts.map(calibration.probability); tl = testSet.labels
            test = ProbeMetrics(scores: ts, probabilities: tp, labels: tl)
        }
        return Outcome(
            model: model, calibration: calibration, thresholds: thresholds, test: test, train: trainMetrics,
            nTrain: trainRows.count, nCalibration: calRows.count, nTest: testRows.count,
            testScores: ts, testProbabilities: tp, testLabels: tl)
    }

    /// Every row's score from the fold model that did not see it (rows of folds whose training side lacks a class
    /// are left out), in row order, with the fold it was held out in: what a probe scores on rows — and groups — it
    /// was not fitted on.
    public static func outOfFoldScores(
        _ data: ProbeDataset, kind: ProbeKind, folds: Int, useGroups: Bool,
        options: ProbeTrainingOptions
    ) throws -> (scores: [Double], labels: [UInt8], folds: [Int]) {
        let parts = try DataSplit.kFold(
            labels: data.labels, k: folds, seed: options.seed, groups: useGroups ? data.groups : nil)
        var scored: [(row: Int, score: Double, fold: Int)] = []
        for (k, part) in parts.enumerated() {
            let train = data.subset(part.train)
            guard train.positives > 0, train.negatives > 0 else { continue }
            let model = try ProbeTrainer.train(kind, on: train, options: options)
            scored += zip(part.test, try model.rawScores(data.subset(part.test))).map { ($0, $1, k) }
        }
        scored.sort { $0.row < $1.row }
        return (scored.map(\.score), scored.map { data.labels[$0.row] }, scored.map(\.fold))
    }

    /// Mean AUROC of `kind` over `folds`-fold cross-validation (for picking a layer without touching the test split);
    /// with `withinGroups` (and groups), the mean AUROC within each held-out group that holds both classes.
    public static func crossValidatedAUROC(
        _ data: ProbeDataset, kind: ProbeKind, folds: Int, useGroups: Bool,
        options: ProbeTrainingOptions, withinGroups: Bool = false
    ) throws -> Double {
        let parts = try DataSplit.kFold(
            labels: data.labels, k: folds, seed: options.seed, groups: useGroups ? data.groups : nil)
        let groups = useGroups && withinGroups ? data.groups : nil
        var total = 0.0, used = 0
        for part in parts {
            let train = data.subset(part.train), test = data.subset(part.test)
            // Within groups, a fold counts each held-out group holding both labels; else the fold's pooled AUROC.
            guard train.positives > 0, train.negatives > 0, groups != nil || (test.positives > 0 && test.negatives > 0)
            else { continue }
            let scores = try ProbeTrainer.train(kind, on: train, options: options).rawScores(test)
            if let groups {
                let within = ProbeMetrics.withinGroupAUROC(
                    scores: scores, labels: test.labels, groups: part.test.map { groups[$0] })
                total += within.groups > 0 ? within.auroc * Double(within.groups) : 0
                used += within.groups
            } else {
                total += ProbeMetrics.auroc(scores: scores, labels: test.labels)
                used += 1
            }
        }
        guard used > 0 else {
            if groups != nil {
                throw ProbeError.invalidOption(
                    name: "cv-metric", value: "within-group",
                    expected:
                        "groups (--group-by) that hold both true and false rows; none of the held-out groups does: use --cv-metric fold or a coarser --group-by"
                )
            }
            throw ProbeError.tooFewRows(needed: 2 * folds, found: data.count, context: "\(folds)-fold cross-validation")
        }
        return total / Double(used)
    }
}
