import Foundation
import Hooks

/// Reads an activation file (format_version 1) without loading it: attributes at open, then example arrays
/// and activation rows by hook and row range on demand. Only the `committed_rows` first examples are visible.
public final class ActivationReader {
    public let path: String
    public let header: StoreHeader
    /// Committed examples (rows a reader may trust).
    public let count: Int
    /// Extra dataset columns under `/examples/meta`, sorted.
    public let metaColumns: [String]
    /// Whether `/examples/answer` exists.
    public let hasAnswers: Bool
    /// Columns under `/confidence` (per-example summaries and, for position `all`, per-token series), sorted.
    public let confidenceColumns: [String]
    /// Extra answer positions stored under `/positions` (e.g. `question`, `answer_mean`, `answer_max`), sorted by name;
    /// groups with names that are not `ProbePosition.answerExtras` are not listed.
    public let positions: [ProbePosition]
    /// Whether the file holds answers with their per-answer `/positions`: captured at position answer, or at all
    /// (every answer token's rows in `/activations`).
    public var isAnswerCapture: Bool {
        header.position == .answer || (header.position == .all && !positions.isEmpty)
    }
    /// The shard this file holds (`capture --shard K/N`), nil for a whole capture or a merged file.
    public let shard: StoreShard?
    /// Whether the shard's capture wrote all its rows (`shard_finished` = 1); false for a file that is not a shard.
    public let shardFinished: Bool
    /// A merged file's shard files (`merged_from`, relative to its folder), in shard order; empty otherwise.
    public let mergedFrom: [String]

    let file: H5File
    private var datasets: [String: H5Dataset] = [:]
    /// Position `all`: `[count + 1]` token row offsets; nil otherwise.
    private let offsets: [Int64]?

    /// Opens and validates the file: HDF5 signature, `format`, `format_version`, the required datasets and
    /// their lengths. Errors say which of these failed.
    ///
    /// A virtual merge (`polygraph merge`) whose shard files are missing is refused by default, because libhdf5
    /// would silently read zeros for their rows; `requireShards: false` opens it anyway (for `inspect`).
    public init(path: String, requireShards: Bool = true) throws {
        self.path = path
        file = try H5File.open(path: path, writable: false)
        header = try StoreHeader.read(from: file)
        for required in [StoreSchema.text, StoreSchema.label, StoreSchema.source, StoreSchema.nTokens] {
            guard try file.exists(required) else { throw StoreError.missingObject(path: path, object: required) }
        }
        let labelRows = try file.openDataset(StoreSchema.label).rowCount()
        let committed =
            try file.hasAttribute(RootAttribute.committedRows)
            ? Int(try file.intAttribute(RootAttribute.committedRows)) : labelRows
        // A negative count used to be shown by inspect as "examples: -1".
        guard committed >= 0 else {
            throw StoreError.shapeMismatch(
                path: path, object: "committed_rows attribute",
                expected: "0 or more rows "
                    + "(the file is damaged; capture it again)", found: "\(committed)")
        }
        count = min(committed, labelRows)
        for hook in header.hooks {
            guard try file.exists(StoreSchema.activations(hook)) else {
                throw StoreError.missingObject(path: path, object: StoreSchema.activations(hook))
            }
        }
        metaColumns = try file.exists(StoreSchema.metaGroup) ? try file.childNames(of: StoreSchema.metaGroup) : []
        hasAnswers = try file.exists(StoreSchema.answer)
        // A group this build does not know (a newer capture's position) is left out, as the writer leaves it out.
        positions =
            try file.exists(StoreSchema.positionsGroup)
            ? try file.childNames(of: StoreSchema.positionsGroup).compactMap(ProbePosition.init(rawValue:))
                .filter(\.isAnswerExtra) : []
        confidenceColumns =
            try file.exists(StoreSchema.confidenceGroup) ? try file.childNames(of: StoreSchema.confidenceGroup) : []
        let shardInfo = try StoreShard.read(from: file)
        shard = shardInfo?.shard
        shardFinished = shardInfo?.finished ?? false
        mergedFrom =
            try file.hasAttribute(ShardAttribute.mergedFrom) ? try file.stringsAttribute(ShardAttribute.mergedFrom) : []
        if requireShards, let missing = try StoreMerger.missingShards(of: file, mergedFrom: mergedFrom).first {
            throw StoreError.missingObject(
                path: path,
                object: "shard file \(missing) (this virtual merge reads its rows "
                    + "from it, relative to the merged file's folder; put the shard files back next to it, or merge with --copy)"
            )
        }
        if header.position == .all {
            let dataset = try file.openDataset(StoreSchema.tokenOffsets)
            guard try dataset.rowCount() > count else {
                throw StoreError.shapeMismatch(
                    path: path, object: StoreSchema.tokenOffsets,
                    expected: "\(count + 1) offsets", found: "\(try dataset.rowCount())")
            }
            let read = try dataset.read(startRow: 0, rowCount: count + 1, as: Int64.self)
            try Self.checkOffsets(read, path: path, hooks: header.hooks, file: file)
            offsets = read
        } else {
            offsets = nil
        }
    }

    /// `/tokens/offsets` must start at 0, never decrease, and end within every hook's rows; otherwise example
    /// row ranges would be inverted or out of the file (hardening defect 9: `train` trapped on decreasing offsets).
    private static func checkOffsets(_ offsets: [Int64], path: String, hooks: [HookName], file: H5File) throws {
        func damaged(_ found: String) -> StoreError {
            .shapeMismatch(
                path: path, object: StoreSchema.tokenOffsets,
                expected: "offsets that start at 0 and never "
                    + "decrease (the file is damaged; re-capture it)", found: found)
        }
        guard offsets.first == 0 else { throw damaged("first offset \(offsets.first ?? 0)") }
        for i in 1..<offsets.count where offsets[i] < offsets[i - 1] {
            throw damaged("offset \(offsets[i]) after \(offsets[i - 1]) (example \(i - 1) has a negative token count)")
        }
        let end = offsets[offsets.count - 1]
        for hook in hooks {
            let rows = try file.openDataset(StoreSchema.activations(hook)).rowCount()
            guard end <= Int64(rows) else {
                throw StoreError.shapeMismatch(
                    path: path, object: StoreSchema.activations(hook),
                    expected: "at least \(end) token rows (the last offset in \(StoreSchema.tokenOffsets); "
                        + "the file is damaged, re-capture it)", found: "\(rows) rows")
            }
        }
    }

    private func dataset(_ objectPath: String) throws -> H5Dataset {
        if let open = datasets[objectPath] { return open }
        let opened = try file.openDataset(objectPath)
        datasets[objectPath] = opened
        return opened
    }

    private func checked(_ range: Range<Int>?, _ object: String) throws -> Range<Int> {
        let range = range ?? 0..<count
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw StoreError.rowRange(path: path, object: object, requested: "\(range)", available: count)
        }
        return range
    }

    /// `/examples/text` for the given examples (all committed ones by default).
    public func texts(_ range: Range<Int>? = nil) throws -> [String] {
        let range = try checked(range, StoreSchema.text)
        return try dataset(StoreSchema.text).readStrings(startRow: range.lowerBound, rowCount: range.count)
    }

    /// `/examples/label`: 1 true, 0 false, -1 unknown.
    public func labels(_ range: Range<Int>? = nil) throws -> [Int8] {
        let range = try checked(range, StoreSchema.label)
        return try dataset(StoreSchema.label).read(startRow: range.lowerBound, rowCount: range.count, as: Int8.self)
    }

    /// `/examples/source`: dataset names.
    public func sources(_ range: Range<Int>? = nil) throws -> [String] {
        let range = try checked(range, StoreSchema.source)
        return try dataset(StoreSchema.source).readStrings(startRow: range.lowerBound, rowCount: range.count)
    }

    /// `/examples/n_tokens`.
    public func nTokens(_ range: Range<Int>? = nil) throws -> [Int32] {
        let range = try checked(range, StoreSchema.nTokens)
        return try dataset(StoreSchema.nTokens).read(startRow: range.lowerBound, rowCount: range.count, as: Int32.self)
    }

    /// `/examples/answer`, or nil when the file has no generated answers.
    public func answers(_ range: Range<Int>? = nil) throws -> [String]? {
        guard hasAnswers else { return nil }
        let range = try checked(range, StoreSchema.answer)
        return try dataset(StoreSchema.answer).readStrings(startRow: range.lowerBound, rowCount: range.count)
    }

    /// One metadata column (e.g. `country`, `polarity`), or nil when the file lacks it.
    public func meta(_ column: String, _ range: Range<Int>? = nil) throws -> [String]? {
        let name = StoreSchema.safeColumnName(column)
        guard metaColumns.contains(name) else { return nil }
        let range = try checked(range, StoreSchema.meta(name))
        return try dataset(StoreSchema.meta(name)).readStrings(startRow: range.lowerBound, rowCount: range.count)
    }

    /// The model's own confidence per example (`ConfidenceSummary.columns` present in the file → values), or nil
    /// when the file has none (captured before confidences were stored, or imported).
    public func confidence(_ range: Range<Int>? = nil) throws -> [String: [Float]]? {
        let columns = ConfidenceSummary.columns.filter(confidenceColumns.contains)
        guard !columns.isEmpty else { return nil }
        return try confidenceRows(columns, try checked(range, StoreSchema.confidenceGroup))
    }

    /// Position `all`: the per-token confidence series of the given examples' activation rows, or nil.
    public func tokenConfidence(_ range: Range<Int>? = nil) throws -> [String: [Float]]? {
        let columns = ConfidenceSummary.tokenColumns.filter(confidenceColumns.contains)
        guard !columns.isEmpty, offsets != nil else { return nil }
        return try confidenceRows(columns, try activationRows(try checked(range, StoreSchema.confidenceGroup)))
    }

    /// Rows `rows` of each `/confidence` column, refusing a column shorter than that.
    private func confidenceRows(_ columns: [String], _ rows: Range<Int>) throws -> [String: [Float]] {
        var result: [String: [Float]] = [:]
        for column in columns {
            let object = StoreSchema.confidence(column)
            let dataset = try dataset(object)
            guard try dataset.rowCount() >= rows.upperBound else {
                throw StoreError.shapeMismatch(
                    path: path, object: object, expected: "\(rows.upperBound) rows",
                    found: "\(try dataset.rowCount())")
            }
            result[column] = try dataset.read(startRow: rows.lowerBound, rowCount: rows.count, as: Float.self)
        }
        return result
    }

    /// Floats per row of a hook's dataset (`d_model` for residual hooks).
    public func width(of hook: HookName) throws -> Int {
        guard header.hooks.contains(hook) else { throw missingHook(hook) }
        return try dataset(StoreSchema.activations(hook)).rowWidth()
    }

    /// Activation rows of the given examples as row-major `[rows, width]`. For positions last/mean/answer
    /// there is one row per example; for `all`, the token rows of those examples (see `tokenRanges`).
    /// `position` names an extra answer position (`/positions/<position>/<hook>`); nil reads `/activations`.
    public func rows(hook: HookName, examples range: Range<Int>? = nil, position: ProbePosition? = nil) throws
        -> [Float]
    {
        guard header.hooks.contains(hook) else { throw missingHook(hook) }
        if let position {
            let object = StoreSchema.position(position, hook)
            guard positions.contains(position), try file.exists(object) else {
                let stored = positions.isEmpty ? "none" : positions.map(\.rawValue).joined(separator: ", ")
                throw StoreError.invalidArgument(
                    what: "answer position '\(position)'",
                    detail: "\(path) has no \(object) "
                        + "(answer positions stored: \(stored)); answer "
                        + "captures store question, answer_mean and answer_max since 2026-12, answer_exact since 2026-12-04: "
                        + "capture the answers again")
            }
            let range = try checked(range, object)
            return try dataset(object).read(startRow: range.lowerBound, rowCount: range.count, as: Float.self)
        }
        let object = StoreSchema.activations(hook)
        let range = try checked(range, object)
        let rows = try activationRows(range)
        return try dataset(object).read(startRow: rows.lowerBound, rowCount: rows.count, as: Float.self)
    }

    /// Rows `examples` of `hook` (or of the extra answer `position`) copied into `buffer` (room for
    /// `[examples.count, width]`): a hyperslab read of a row range, for out-of-core training. Positions last, mean
    /// and answer only (one row per example). Safe to call from several threads (every step holds the HDF5 lock).
    public func readRows(
        hook: HookName, position: ProbePosition? = nil, examples range: Range<Int>,
        into buffer: UnsafeMutablePointer<Float>
    ) throws {
        guard header.hooks.contains(hook) else { throw missingHook(hook) }
        let object = position.map { StoreSchema.position($0, hook) } ?? StoreSchema.activations(hook)
        try HDF5Library.shared.locked {
            if let position, !positions.contains(position) {
                throw StoreError.invalidArgument(
                    what: "answer position '\(position)'", detail: "\(path) has no \(object)")
            }
            guard offsets == nil else {
                throw StoreError.invalidArgument(
                    what: "row-range read of \(object)",
                    detail: "\(path) has position 'all' "
                        + "(ragged token rows); row-range reads need one row per example")
            }
            let range = try checked(range, object)
            try dataset(object).read(startRow: range.lowerBound, rowCount: range.count, into: buffer)
        }
    }

    /// Position `all`: the activation row range of each example, from `/tokens/offsets`.
    public func tokenRanges(_ range: Range<Int>? = nil) throws -> [Range<Int>]? {
        guard let offsets else { return nil }
        let range = try checked(range, StoreSchema.tokenOffsets)
        return range.map { Int(offsets[$0])..<Int(offsets[$0 + 1]) }
    }

    private func activationRows(_ examples: Range<Int>) throws -> Range<Int> {
        guard let offsets else { return examples }
        return Int(offsets[examples.lowerBound])..<Int(offsets[examples.upperBound])
    }

    private func missingHook(_ hook: HookName) -> StoreError {
        let listed = header.hooks.prefix(6).map(\.description).joined(separator: ", ")
        return .invalidArgument(
            what: "hook '\(hook)'", detail: "\(path) has hooks \(listed)\(header.hooks.count > 6 ? ", ..." : "")")
    }
}
