import Foundation
import Hooks

/// What `polygraph inspect P.json` shows about a probe artifact.
public struct ProbeSummary: Codable, Sendable {
    public var kind: String
    public var variant: String?
    public var model: ModelIdentity
    public var hook: HookName
    /// A multi-layer probe's hooks, concatenated in this order (nil for a probe of one hook).
    public var hooks: [HookName]?
    public var position: ProbePosition
    public var dims: Int
    public var parameterCount: Int
    public var calibration: Calibration
    public var thresholds: FlagThresholds
    public var datasets: [ProbeArtifact.DatasetRecord]
    public var seed: UInt64
    public var split: Double
    public var layer: Int?
    public var testMetrics: ProbeMetrics?
    public var baselines: [ConfidenceBaselines.Result]?
    public var baselineComparison: BaselineComparison?
    /// How cross-validation chose the position, layer and C.
    public var selection: ProbeSelection.Choice?
    public var converged: Bool?
    public var createdAt: String
    public var createdBy: String

    enum CodingKeys: String, CodingKey {
        case kind, variant, model, hook, hooks, position, dims, parameterCount = "parameter_count", calibration,
            thresholds
        case datasets, seed, split, layer, testMetrics = "test_metrics", baselines,
            baselineComparison = "baseline_comparison", selection, converged, createdAt = "created_at", createdBy =
            "created_by"
    }

    public init(_ a: ProbeArtifact) {
        kind = a.kind
        variant = a.parameters.variant
        model = a.model
        hook = a.hook
        hooks = a.hooks
        position = a.position
        dims = a.dims
        parameterCount =
            (a.parameters.weights?.count ?? 0) + (a.parameters.bias == nil ? 0 : 1)
            + (a.parameters.layers ?? []).reduce(0) { $0 + $1.weights.count + $1.bias.count }
        calibration = a.calibration
        thresholds = a.thresholds
        datasets = a.training.datasets
        seed = a.training.seed
        split = a.training.split
        layer = a.training.layer
        testMetrics = a.training.metrics["test"]
        baselines = a.training.baselines
        baselineComparison = a.training.baselineComparison
        selection = a.training.selection
        converged = a.parameters.converged
        createdAt = a.createdAt
        createdBy = a.createdBy
    }

    /// Multi-line text for the terminal.
    public func text() -> String {
        var out = "probe artifact (polygraph.probe v1)\n"
        out += "  kind:        \(kind)\(variant.map { " (\($0))" } ?? "")\n"
        out += "  model:       \(model.name) [\(model.architecture)] sha256 \(model.sha256.prefix(16))…\n"
        if let hooks {
            out += "  hooks:       \(hooks.map(\.description).joined(separator: " + ")) (rows concatenated)\n"
        }
        out += "  hook:        \(hook)  position: \(position)  dims: \(dims)\(layer.map { "  layer: \($0)" } ?? "")\n"
        out += "  parameters:  \(parameterCount)\(converged.map { $0 ? " (converged)" : " (NOT converged)" } ?? "")\n"
        if let xs = calibration.breakpoints, let ys = calibration.values, calibration.method == "isotonic" {
            out += String(
                format: "  calibration: isotonic, %d breakpoints, P(true) %.3f to %.3f (Platt alike: a=%.4f b=%.4f), "
                    + "fitted on %@ (%d rows)\n", xs.count, ys.first ?? .nan, ys.last ?? .nan, calibration.a,
                calibration.b, calibration.fittedOn as NSString, calibration.n)
        } else {
            out += String(
                format: "  calibration: platt a=%.4f b=%.4f, fitted on %@ (%d rows)\n", calibration.a, calibration.b,
                calibration.fittedOn as NSString, calibration.n)
        }
        if let chosenBy = calibration.chosenBy { out += "  calibration chosen by \(chosenBy)\n" }
        if !(calibration.a > 0) {
            out +=
                "  WARNING:     the calibration slope is not positive: on the calibration rows this probe ranks true and false "
                + "the wrong way round (it does not transfer to held-out groups); P(true) and flags are not meaningful\n"
        }
        out += String(
            format: "  thresholds:  ok if P ≥ %.3f, likely_false if P < %.3f\n", thresholds.uncertain,
            thresholds.likelyFalse)
        out +=
            "  trained on:  "
            + datasets.map { "\($0.name) (\($0.n) rows, sha256 \($0.sha256.prefix(12))…)" }.joined(separator: ", ")
            + "\n"
        out += "  seed \(seed), split \(split)\n"
        if let selection { out += "  " + selection.text + "\n" }
        if let m = testMetrics {
            out += String(
                format: "  test:        n=%d accuracy %.3f AUROC %.3f ECE %.3f Brier %.3f recall@1%%FPR %.3f\n",
                m.n, m.accuracy, m.auroc, m.ece, m.brier, m.recallAt1FPR)
        }
        for b in baselines ?? [] { out += "  " + b.text + "\n" }
        if let c = baselineComparison { out += "  " + c.text + "\n" }
        out += "  created \(createdAt) by \(createdBy)\n"
        return out
    }
}
