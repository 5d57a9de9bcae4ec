import ArgumentParser
import Foundation
import ActivationStore
import Hooks
import Probes

/// Options shared by train, sweep and generalize: how to split, fit and calibrate.
struct ProbeFitOptions: ParsableArguments {
    @Option(name: .long, parsing: .upToNextOption, help: "Activation files (.h5) written by `polygraph capture`.")
    var acts: [String] = []
    // Read at parse time with the hook grammar every command shares; an unknown name lists the valid forms. (A
    // transform hides the default from the help, so the help says it.)
    @Option(
        name: .long,
        help: "Hook per layer (resid_post, mlp_post, attn_out, …) or one full hook name. (default: resid_post)",
        transform: HookPattern.init(parsing:))
    var hook: HookPattern = .perLayer(.residPost)
    @Option(name: .long, help: "Seed for splits and MLP initialisation.")
    var seed: UInt64 = 0
    @Option(name: .long, help: "Fraction of labeled rows used for training; the rest is the test split.")
    var split: Double = 0.8
    @Flag(name: .long, help: "Hold out a quarter of the training rows to fit Platt scaling and the flag thresholds.")
    var calibrate = false
    @Option(
        name: .long,
        help:
            "How Platt scaling and the flag thresholds are fitted: train (the training rows' own scores; the default), held-out (a quarter of the training rows set aside; what --calibrate does) or out-of-fold (the scores of 5-fold cross-validation on the training rows, grouped by --group-by, so that calibration sees rows and topics the probe did not; the probe itself fits on every training row)."
    )
    var calibration: String?
    @Option(
        name: .long,
        help:
            "How a score becomes P(true): platt (a sigmoid; the default), isotonic (a non-decreasing piecewise-linear map fitted by pool-adjacent-violators, Zadrozny & Elkan 2002) or auto (with --calibration out-of-fold: whichever has the lower ECE on held-out folds, fitted on the others)."
    )
    var calibrationMethod = "platt"
    @Option(name: .long, help: "Metadata column whose values stay on one side of every split (e.g. a city).")
    var groupBy: String?
    @Option(
        name: .long,
        help:
            "What cross-validation scores a candidate by when choosing: fold (the mean AUROC of each fold; the default) or within-group (with --group-by: the mean AUROC within each held-out group, e.g. topic, so that knowing which training topics are hard earns nothing)."
    )
    var cvMetric: String = "fold"
    @Option(
        name: .long,
        help:
            "Answer captures: where to read each answer: answer (its last token, the default), question (the prompt's last token, before any answer: a pre-generation probe), answer_mean or answer_max (over the answer's tokens), answer_exact (the last token of the exact answer: the first words of the answer that the question does not contain); a comma list or 'best' (all five; those a file lacks are skipped) to choose among by cross-validation on the training rows.",
        transform: AnswerPositions.init(parsing:)
    )
    var answerPosition: AnswerPositions?
    @Option(name: .customLong("C"), help: "Logistic inverse regularisation strength (scikit-learn's C).")
    var c: Double = 1
    @Option(name: .long, help: "Target: at most this fraction of false statements flagged ok.")
    var maxFalseOk: Double = 0.05
    @Option(name: .long, help: "Target: at most this fraction of true statements flagged likely_false.")
    var maxTrueFlagged: Double = 0.05
    @Option(name: .long, help: "MLP: maximum epochs (early stopping usually ends sooner).")
    var epochs: Int = 200
    @Option(
        name: .long,
        help:
            "Hybrid: scale the confidence features up by this after standardisation, so L2 holds them back less (1 = plain concatenation)."
    )
    var confidenceWeight: Double = ProbeTrainingOptions().confidenceWeight
    @Flag(
        name: .long,
        help:
            "Fit on rows centred within their --group-by group (each row minus its group's mean, plus the overall mean; the confidences too): the probe learns what separates true from false inside a topic, not which topics are hard. Cross-validation folds centre their own training rows."
    )
    var centerGroups = false
    @Option(name: .long, help: "MLP: L2 weight decay added to the gradient.")
    var weightDecay: Double = 1e-2
    @Flag(name: .long, help: "No progress line on stderr.")
    var quiet = false
    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        guard !acts.isEmpty else { throw ValidationError("give at least one activation file with --acts FILE.h5") }
        guard split > 0, split <= 1 else { throw ValidationError("--split must be in (0, 1], e.g. 0.8") }
        guard c > 0, c.isFinite else { throw ValidationError("--C must be positive and finite (got \(c))") }
        // Unchecked, a negative decay trained silently and inf/NaN ended in "training diverged".
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw ValidationError("--weight-decay must be 0 or more and finite (got \(weightDecay))")
        }
        guard ["fold", "within-group"].contains(cvMetric) else {
            throw ValidationError("--cv-metric takes fold or within-group (got '\(cvMetric)')")
        }
        if cvMetric == "within-group" && groupBy == nil {
            throw ValidationError("--cv-metric within-group needs --group-by COLUMN (e.g. --group-by topic)")
        }
        if centerGroups && groupBy == nil {
            throw ValidationError(
                "--center-groups needs --group-by COLUMN (e.g. --group-by topic): the groups it centres")
        }
        if let calibration, !["train", "held-out", "out-of-fold"].contains(calibration) {
            throw ValidationError("--calibration takes train, held-out or out-of-fold (got '\(calibration)')")
        }
        guard (Calibration.methods + ["auto"]).contains(calibrationMethod) else {
            throw ValidationError("--calibration-method takes platt, isotonic or auto (got '\(calibrationMethod)')")
        }
        if calibrationMethod == "auto" && calibration != "out-of-fold" {
            throw ValidationError(
                "--calibration-method auto chooses on out-of-fold scores: add --calibration out-of-fold")
        }
        if calibrate, let calibration, calibration != "held-out" {
            throw ValidationError(
                "--calibrate means --calibration held-out; it cannot be combined with --calibration \(calibration)")
        }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1 (got \(epochs))") }
        guard (0...1).contains(maxFalseOk), (0...1).contains(maxTrueFlagged) else {
            throw ValidationError("--max-false-ok and --max-true-flagged are fractions in [0, 1]")
        }
    }

    /// `--answer-position` as a list of candidates: nil is the file's own position (`answer`: the last answer token),
    /// a position reads `/positions/<name>`. `[nil]` when the option is not given.
    var answerPositions: [ProbePosition?] { answerPosition?.candidates ?? [nil] }

    /// The fitting plan for `kind`.
    func plan(_ kind: ProbeKind) -> ProbeFitter.Plan {
        var plan = ProbeFitter.Plan(kind: kind)
        plan.split = split
        plan.calibrate = calibrate || (calibration ?? "train") != "train"
        if calibration == "out-of-fold" { plan.calibrationFolds = 5 }
        plan.calibrationMethod = calibrationMethod
        plan.maxFalseOK = maxFalseOk
        plan.maxTrueFlagged = maxTrueFlagged
        plan.useGroups = groupBy != nil
        plan.cvWithinGroups = cvMetric == "within-group"
        plan.options.seed = seed
        plan.options.c = c
        plan.options.confidenceWeight = confidenceWeight
        plan.options.centerWithinGroups = centerGroups
        plan.options.maxEpochs = epochs
        plan.options.weightDecay = weightDecay
        return plan
    }
}

/// Prints a Probes or hook-option error as a one-paragraph message and exits 1.
func failing<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as ProbeError {
        FileHandle.standardError.write(Data("Error: \(error.description)\n".utf8))
        throw ExitCode(1)
    } catch let error as HookError {
        FileHandle.standardError.write(Data("Error: \(error.description)\n".utf8))
        throw ExitCode(1)
    }
}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a calibrated truth probe on stored activations and write its artifact.",
        discussion:
            "Example: polygraph train --acts runs/cities.h5 runs/neg_cities.h5 --probe logistic --layer best --calibrate --out probes/smollm2/cities.json"
    )

    @OptionGroup var fit: ProbeFitOptions
    @Option(
        name: .long,
        help:
            "Probe kind: logistic, mass-mean, mass-mean-iid, mlp, ttpd, hybrid; or a comma list to choose among by the --layer cross-validation (e.g. logistic,hybrid with --layer best)."
    )
    var probe: String = "logistic"
    @Option(
        name: .long,
        help:
            "Layer number, or 'best' (k-fold CV on the training rows, jointly with the answer position and C when several are given; then the best layer concatenated with its 1, 2 and 3 next-best layers, kept when its CV AUROC is at least 0.005 higher)."
    )
    var layer: String?
    @Option(
        name: .long,
        help:
            "A multi-layer probe: these layers' rows concatenated, e.g. 19,21,23 or 20-22 (2 to 8 layers, ascending; instead of --layer)."
    )
    var layers: String?
    @Flag(name: .long, help: "With --layer best: keep to single layers (no concatenations tried).")
    var singleLayer = false
    @Option(name: .long, help: "Folds for --layer best.")
    var folds: Int = 5
    @Flag(
        name: .customLong("choose-C"),
        help:
            "With --layer best: choose C from 1, 0.1, 0.01, 0.001 jointly with the layer by the same cross-validation on the training rows (logistic and hybrid)."
    )
    var chooseC = false
    @Option(name: .long, help: "Where to write the probe artifact (JSON).")
    var out: String
    @Flag(name: .long, help: "Print the artifact summary as JSON on stdout.")
    var json = false

    func validate() throws {
        guard (2...100).contains(folds) else { throw ValidationError("--folds must be 2...100 (got \(folds))") }
        if layer != nil && layers != nil {
            throw ValidationError("give --layer (one layer or best) or --layers (a multi-layer probe), not both")
        }
    }

    func run() throws {
        BatchAllocator.keepFreedMemory()
        let output = try failing {
            let kinds = try ProbeKind.parseList(probe)
            let choice =
                try layers.map { try TrainJob.LayerChoice(layers: $0) }
                ?? layer.map { try TrainJob.LayerChoice($0, folds: folds) }
            if kinds.count > 1 && choice == nil {
                throw ProbeError.invalidOption(
                    name: "probe", value: probe,
                    expected:
                        "one kind, or several with --layer (best or a number) to choose among them by cross-validation")
            }
            let progress = ProgressLine(
                label: "choosing (\(folds)-fold CV, \(kinds.map(\.cliName).joined(separator: ", ")))",
                unit: "candidates", enabled: !fit.quiet)
            let streaming = StreamProgressLine(enabled: !fit.quiet)
            defer { streaming.finish() }
            let output = try TrainJob.run(
                paths: fit.acts, plan: fit.plan(kinds[0]), layer: choice, hook: fit.hook,
                groupBy: fit.groupBy, regularization: chooseC ? [1, 0.1, 0.01, 0.001] : nil,
                positions: fit.answerPositions, kinds: kinds,
                progress: progress.report, budget: fit.memory.budget(),
                streamProgress: streaming.report, multiLayer: !singleLayer)
            if output.selection != nil { progress.finish() }
            try output.artifact.write(to: out)
            return output
        }
        let summary = ProbeSummary(output.artifact)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print("wrote \(out)")
            print(summary.text(), terminator: "")
        }
    }
}
