import Foundation
import Hooks

/// Names and constants of the activation file, format_version 1 (../shared/DESIGN.md, "Activation file").
///
/// Additive to the design (still version 1): root attributes `hooks` (string array), `committed_rows`
/// (int64, the number of example rows a reader may trust; updated last after each batch), `updated_at`;
/// `/examples/meta/<column>` (extra dataset columns as UTF-8 strings), `/examples/answer` (generated answers) and
/// `/confidence/<column>` (the model's own confidence per example, and per token for position `all`;
/// see `ConfidenceSummary`).
public enum StoreSchema {
    public static let format = "polygraph.activations"
    public static let formatVersion = 1

    public static let examplesGroup = "/examples"
    public static let text = "/examples/text"
    public static let label = "/examples/label"
    public static let source = "/examples/source"
    public static let nTokens = "/examples/n_tokens"
    public static let answer = "/examples/answer"
    public static let metaGroup = "/examples/meta"
    public static let activationsGroup = "/activations"
    public static let tokenOffsets = "/tokens/offsets"
    public static let confidenceGroup = "/confidence"
    public static let positionsGroup = "/positions"
    /// Extra rows of an answer capture, besides `/activations` (the last answer token): `question` (the prompt's last
    /// token, before any answer token: a pre-generation probe, arXiv 2509.10625), `answer_mean` (mean over the
    /// answer's tokens), `answer_max` (element-wise max over them, span-max as in arXiv 2509.03531) and
    /// `answer_exact` (the last token of the exact answer, `ExactAnswer`; Orgad et al., ICLR 2025).
    /// On disk each is its `rawValue`.
    public static let answerPositions: [ProbePosition] = ProbePosition.answerExtras

    /// Dataset path of one hook at an extra answer position, e.g. `/positions/question/blocks.3.hook_resid_post`.
    public static func position(_ name: ProbePosition, _ hook: HookName) -> String {
        "\(positionsGroup)/\(name.rawValue)/\(hook)"
    }

    /// Dataset path of one confidence column, e.g. `/confidence/mean_logprob`.
    public static func confidence(_ column: String) -> String { "\(confidenceGroup)/\(column)" }

    /// Dataset path of one hook, e.g. `/activations/blocks.14.hook_resid_post`.
    public static func activations(_ hook: HookName) -> String { "\(activationsGroup)/\(hook)" }

    /// Dataset path of one metadata column.
    public static func meta(_ column: String) -> String { "\(metaGroup)/\(column)" }

    /// A column name usable as an HDF5 link name ("/" is not; "." and "" are not either).
    public static func safeColumnName(_ name: String) -> String {
        let cleaned = name.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "/", with: "_")
        return cleaned.isEmpty || cleaned == "." || cleaned == ".." ? "column_" + cleaned : cleaned
    }

    /// Rows per chunk for activation datasets whose widest row has `width` floats: a power of two giving
    /// chunks of at most ~256 KiB (so that a chunk always fits libhdf5's default 1 MiB chunk cache).
    public static func chunkRows(forWidth width: Int) -> Int {
        let target = max(1, 65_536 / max(1, width))
        var rows = 8
        while rows * 2 <= target && rows < 1024 { rows *= 2 }
        return rows
    }

    /// Whether `path` starts with the HDF5 signature (`\x89HDF\r\n\x1a\n`), so `inspect` can tell an
    /// activation file from a GGUF or a probe artifact without opening it with libhdf5.
    public static func looksLikeHDF5(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        return (try? handle.read(upToCount: 8)).map { Array($0) == signature } ?? false
    }

    /// Rows per chunk for `/examples/*` and `/tokens/offsets`.
    public static let exampleChunkRows = 1024
}

/// The root attributes of an activation file.
public struct StoreHeader: Codable, Equatable, Sendable {
    public var modelName: String
    public var modelArchitecture: String
    /// sha256 of the GGUF file (lower-case hex), or whatever identifies the model for imported states.
    public var modelSHA256: String
    public var nLayers: Int
    public var dModel: Int
    public var position: CapturePosition
    /// How each text was wrapped before the forward pass; "" if raw.
    public var promptTemplate: String
    /// Captured hooks in order, e.g. `blocks.14.hook_resid_post` (the `hooks` attribute holds their names).
    public var hooks: [HookName]
    /// ISO 8601.
    public var createdAt: String
    /// e.g. "polygraph 0.1.0".
    public var createdBy: String
    /// How generated answers were chosen when they were sampled (`temperature=1 top_p=1 top_k=0 seed=7`; the
    /// `answer_sampling` attribute); nil: greedy, or no generated answers.
    public var answerSampling: String?

    public init(
        modelName: String, modelArchitecture: String, modelSHA256: String, nLayers: Int, dModel: Int,
        position: CapturePosition, promptTemplate: String, hooks: [HookName],
        createdAt: String = StoreHeader.now(), createdBy: String = StoreHeader.defaultCreator,
        answerSampling: String? = nil
    ) {
        self.modelName = modelName
        self.modelArchitecture = modelArchitecture
        self.modelSHA256 = modelSHA256
        self.nLayers = nLayers
        self.dModel = dModel
        self.position = position
        self.promptTemplate = promptTemplate
        self.hooks = hooks
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.answerSampling = answerSampling
    }

    /// The creator string when the caller gives none.
    public static let defaultCreator = "polygraph 0.1.0"

    /// The current time as ISO 8601 (UTC, seconds).
    public static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}

/// One example's metadata row (everything under `/examples`).
public struct ExampleRecord: Equatable, Sendable {
    public var text: String
    /// 1 true, 0 false, -1 unknown.
    public var label: Int8
    /// Dataset name (file stem).
    public var source: String
    /// Tokens of the text as run through the model.
    public var nTokens: Int32
    /// Extra dataset columns (stored under `/examples/meta/<column>`).
    public var meta: [String: String]
    /// The generated answer, for question datasets.
    public var answer: String?
    /// The model's own confidence in the example's tokens (nil when not measured).
    public var confidence: ConfidenceSummary?

    public init(
        text: String, label: Int8, source: String, nTokens: Int32, meta: [String: String] = [:],
        answer: String? = nil, confidence: ConfidenceSummary? = nil
    ) {
        self.confidence = confidence
        self.text = text
        self.label = label
        self.source = source
        self.nTokens = nTokens
        self.meta = meta
        self.answer = answer
    }
}
