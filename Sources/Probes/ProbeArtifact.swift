import ActivationStore
import Foundation
import Hooks

/// The portable probe file (DESIGN.md, "Probe artifact", format_version 1). Encode with `write(to:)`,
/// decode with `load(from:)`, which validates everything before anything is scored.
public struct ProbeArtifact: Codable, Sendable, Equatable {
    public static let formatName = "polygraph.probe"
    public static let currentVersion = 1

    public var format: String = ProbeArtifact.formatName
    public var formatVersion: Int = ProbeArtifact.currentVersion
    /// "logistic", "mass_mean", "mlp" or "ttpd".
    public var kind: String
    public var model: ModelIdentity
    /// TransformerLens hook name, e.g. `blocks.14.hook_resid_post` (of a multi-layer probe: the first of `hooks`).
    public var hook: HookName
    /// A multi-layer probe's hooks (additive; absent for a probe of one hook): 2 to `maxHooks` distinct hooks at the
    /// same position whose rows, laid end to end in this order, are the probe's input. `hook` is the first, so an
    /// older reader still sees a valid single-hook field (and then refuses the width).
    public var hooks: [HookName]?
    /// Token position the activations were taken at (`last`, `mean`, …).
    public var position: ProbePosition
    public var normalization: Standardizer
    public var parameters: ProbeParameters
    public var calibration: Calibration
    public var thresholds: FlagThresholds
    public var training: TrainingRecord
    public var createdAt: String
    public var createdBy: String

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", kind, model, hook, hooks, position, normalization, parameters
        case calibration, thresholds, training, createdAt = "created_at", createdBy = "created_by"
    }

    /// One activation file used for training.
    public struct DatasetRecord: Codable, Sendable, Equatable {
        public var name: String
        /// sha256 of the activation file.
        public var sha256: String
        /// Labeled rows used from it.
        public var n: Int
        public init(name: String, sha256: String, n: Int) { self.name = name; self.sha256 = sha256; self.n = n }
    }

    /// How the probe was trained and how it scored on held-out rows.
    public struct TrainingRecord: Codable, Sendable, Equatable {
        public var datasets: [DatasetRecord]
        public var seed: UInt64
        /// Fraction of labeled rows used for fitting (the rest: calibration and test).
        public var split: Double
        /// Metrics on the held-out test rows (empty when everything was used for training).
        public var metrics: [String: ProbeMetrics]
        public var layer: Int?
        public var nTrain: Int
        public var nCalibration: Int
        public var nTest: Int
        public var skippedUnlabeled: Int
        /// Target rates the flag thresholds were chosen for.
        public var maxFalseOK: Double
        public var maxTrueFlagged: Double
        public var groupBy: String?
        /// The model's own confidences on the same test rows (additive; absent in older artifacts).
        public var baselines: [ConfidenceBaselines.Result]?
        /// This probe against the best baseline on the test rows.
        public var baselineComparison: BaselineComparison?
        /// How the position, layer and C were chosen by cross-validation on the training rows (additive; absent when
        /// they were given).
        public var selection: ProbeSelection.Choice?
        /// True when the probe was fitted on rows centred within their `groupBy` groups (`--center-groups`;
        /// additive: absent otherwise and in older artifacts).
        public var centeredWithinGroups: Bool?

        enum CodingKeys: String, CodingKey {
            case datasets, seed, split, metrics, layer, nTrain = "n_train", nCalibration = "n_calibration"
            case nTest = "n_test", skippedUnlabeled = "skipped_unlabeled", maxFalseOK = "max_false_ok"
            case maxTrueFlagged = "max_true_flagged", groupBy = "group_by", baselines
            case baselineComparison = "baseline_comparison", selection
            case centeredWithinGroups = "centered_within_groups"
        }

        public init(
            datasets: [DatasetRecord], seed: UInt64, split: Double, metrics: [String: ProbeMetrics], layer: Int?,
            nTrain: Int, nCalibration: Int, nTest: Int, skippedUnlabeled: Int, maxFalseOK: Double,
            maxTrueFlagged: Double, groupBy: String?
        ) {
            self.datasets = datasets; self.seed = seed; self.split = split; self.metrics = metrics; self.layer = layer
            self.nTrain = nTrain; self.nCalibration = nCalibration; self.nTest = nTest;
            self.skippedUnlabeled = skippedUnlabeled
            self.maxFalseOK = maxFalseOK; self.maxTrueFlagged = maxTrueFlagged; self.groupBy = groupBy
        }
    }

    public init(
        model: ProbeModel, identity: ModelIdentity, hook: HookName, position: ProbePosition,
        calibration: Calibration, thresholds: FlagThresholds, training: TrainingRecord, createdBy: String,
        createdAt: Date = Date(), hooks: [HookName]? = nil
    ) {
        kind = model.kind.artifactKind
        self.model = identity
        self.hook = hooks?.first ?? hook
        self.hooks = (hooks?.count ?? 0) > 1 ? hooks : nil
        self.position = position
        normalization = model.normalization
        parameters = model.parameters
        self.calibration = calibration
        self.thresholds = thresholds
        self.training = training
        self.createdAt = ISO8601DateFormatter().string(from: createdAt)
        self.createdBy = createdBy
    }

    /// The probe kind, with the mass-mean variant resolved.
    public var probeKind: ProbeKind? {
        switch kind {
        case "logistic": .logistic
        case "mass_mean": parameters.variant == "covariance_corrected" ? .massMeanIID : .massMean
        case "mlp": .mlp
        case "ttpd": .ttpd
        case "hybrid": .hybrid
        default: nil
        }
    }

    /// Width of the features this probe reads (for a hybrid probe: the activation plus its confidence features).
    public var dims: Int { normalization.mean.count }
    /// Width of the activations this probe reads (of a multi-layer probe: every hook's row, end to end).
    public var activationDims: Int { dims - (parameters.confidenceFeatures?.count ?? 0) }
    /// Most hooks a multi-layer probe may read.
    public static let maxHooks = 8
    /// The hooks whose rows, end to end, make the probe's input: `hooks`, or `[hook]` for a single-hook probe.
    public var inputHooks: [HookName] { hooks ?? [hook] }
    /// Width of one hook's row.
    public var hookDims: Int { activationDims / max(1, inputHooks.count) }

    /// Pretty-printed JSON with sorted keys.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Writes the artifact, creating parent folders.
    public func write(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try encoded().write(to: url, options: .atomic)
        } catch let error as ProbeError {
            throw error
        } catch {
            throw ProbeError.writeFailed(path: path, reason: error.localizedDescription)
        }
    }

    /// What a JSON value of a decoded Swift type looks like, for error messages (not Swift's type names).
    static func jsonKind(of type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is UInt64.Type, is Double.Type, is Float.Type: return "a number"
        case is [Float].Type, is [Double].Type: return "an array of numbers"
        case is [String].Type: return "an array of strings"
        default:
            let name = String(describing: type)
            return name.hasPrefix("Array<") ? "an array" : name.hasPrefix("Dictionary<") ? "an object" : "another type"
        }
    }

    /// Reads and validates an artifact file.
    public static func load(from path: String) throws -> ProbeArtifact {
        if let problem = RegularFile.problem(path) {  // a named pipe read as "You don't have permission."
            throw ProbeError.invalidArtifact(path: path, reason: "the path \(problem), not a probe .json file.")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ProbeError.invalidArtifact(
                path: path,
                reason: FileManager.default.fileExists(atPath: path)
                    ? "cannot read the file (no permission?)." : "no such file.")
        }
        return try decode(data, path: path)
    }

    /// Decodes and validates artifact JSON; `path` names it in errors.
    public static func decode(_ data: Data, path: String = "probe") throws -> ProbeArtifact {
        // Check the header first so a foreign JSON file gets a clear message rather than a missing-key error.
        guard let header = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ProbeError.invalidArtifact(path: path, reason: "not a JSON object.")
        }
        guard header["format"] as? String == formatName else {
            throw ProbeError.invalidArtifact(
                path: path,
                reason: "\"format\" is \(header["format"].map { "\($0)" } ?? "missing"), "
                    + "expected \"\(formatName)\". Hint: is this an activation file or another tool's JSON?")
        }
        guard let version = header["format_version"] as? Int, version == currentVersion else {
            throw ProbeError.invalidArtifact(
                path: path,
                reason: "format_version \(header["format_version"].map { "\($0)" } ?? "missing") "
                    + "is not supported (this build reads \(currentVersion)). Hint: upgrade polygraph or retrain the probe."
            )
        }
        let artifact: ProbeArtifact
        do { artifact = try JSONDecoder().decode(ProbeArtifact.self, from: data) } catch let DecodingError.keyNotFound(
            key, ctx)
        {
            throw ProbeError.invalidArtifact(
                path: path,
                reason: "missing key \"\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))\".")
        } catch let DecodingError.typeMismatch(type, ctx) {
            throw ProbeError.invalidArtifact(
                path: path,
                reason: "wrong type at \"\(ctx.codingPath.map(\.stringValue).joined(separator: "."))\": "
                    + "expected \(jsonKind(of: type)).")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw ProbeError.invalidArtifact(
                path: path,
                reason:
                    "null at \"\(ctx.codingPath.map(\.stringValue).joined(separator: "."))\" (NaN weights are written as null)."
            )
        } catch let DecodingError.dataCorrupted(ctx) where ctx.underlyingError is HookError {
            // A hook name or position outside the vocabulary: name the field, the value and the accepted ones.
            let at = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            throw ProbeError.invalidArtifact(path: path, reason: "\"\(at.dropFirst())\": \(ctx.debugDescription).")
        } catch let DecodingError.dataCorrupted(ctx) {
            // E.g. a seed of -1 or a layer size of 2^63: valid JSON, but no Int/UInt64 holds it. (This used to print
            // "DecodingError.dataCorrupted … The given data was not valid JSON.")
            let at = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            throw ProbeError.invalidArtifact(
                path: path,
                reason: (at.isEmpty ? "a number" : "the value at \"\(at)\"")
                    + " is out of range for its field (a negative count or seed, or an integer beyond 2^63).")
        } catch {
            throw ProbeError.invalidArtifact(path: path, reason: "the JSON does not have the artifact's structure.")
        }
        try artifact.validate(path: path)
        return artifact
    }
}
