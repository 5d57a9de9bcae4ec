import Foundation

/// One shard of a capture split over N processes (`polygraph capture --shard K/N`).
///
/// Assignment: of the B rows the capture would hold in a single process (every dataset in order, each cut to
/// `--limit`), shard K of N takes the contiguous rows ⌊K·B/N⌋ ..< ⌊(K+1)·B/N⌋. It depends only on K, N and B
/// (not on timing), covers every row exactly once for any N (divisible or not; shards differ by at most one
/// row, and some are empty when N > B), and concatenating shards 0..N-1 gives the single-process row order.
///
/// Recorded in the file's root attributes (additive to format_version 1): `shard_index`, `shard_count`,
/// `shard_first_row`, `shard_rows`, `shard_total_rows` (B) and `shard_finished` (0 until the capture has
/// written all of the shard's rows, then 1).
public struct StoreShard: Codable, Equatable, Sendable, CustomStringConvertible {
    /// K, 0-based.
    public var index: Int
    /// N.
    public var count: Int
    /// The shard's first row in the single-process order.
    public var firstRow: Int
    /// Rows in this shard.
    public var rows: Int
    /// B: rows of the whole capture.
    public var totalRows: Int

    /// The shard K of N over `totalRows` rows.
    public init(index: Int, count: Int, totalRows: Int) throws {
        try Self.validate(index: index, count: count)
        guard totalRows >= 0 else { throw StoreError.invalidArgument(what: "shard", detail: "negative row count") }
        self.index = index
        self.count = count
        self.totalRows = totalRows
        let range = Self.rowRange(index: index, count: count, totalRows: totalRows)
        firstRow = range.lowerBound
        rows = range.count
    }

    /// Rows ⌊K·B/N⌋ ..< ⌊(K+1)·B/N⌋ (computed without overflow for any realistic B).
    public static func rowRange(index: Int, count: Int, totalRows: Int) -> Range<Int> {
        let lower = Int((Int64(index) * Int64(totalRows)) / Int64(count))
        let upper = Int((Int64(index + 1) * Int64(totalRows)) / Int64(count))
        return lower..<upper
    }

    /// Parses `K/N` (0 ≤ K < N), e.g. `2/4`, as (index, count).
    public static func parse(_ text: String) throws -> ShardSpec {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0].trimmingCharacters(in: .whitespaces)),
            let count = Int(parts[1].trimmingCharacters(in: .whitespaces))
        else {
            throw StoreError.invalidArgument(
                what: "--shard '\(text)'",
                detail: "expected K/N, e.g. 0/4 for the first of four shards (K from 0 to N-1)")
        }
        try validate(index: index, count: count)
        return ShardSpec(index: index, count: count)
    }

    /// Shard K of N of a capture of `totalRows` rows.
    public init(_ spec: ShardSpec, totalRows: Int) throws {
        try self.init(index: spec.index, count: spec.count, totalRows: totalRows)
    }

    static func validate(index: Int, count: Int) throws {
        guard count >= 1, count <= 1_000_000 else {
            throw StoreError.invalidArgument(what: "shard count \(count)", detail: "N must be between 1 and 1000000")
        }
        guard index >= 0, index < count else {
            throw StoreError.invalidArgument(
                what: "shard index \(index)",
                detail: "K must be between 0 and \(count - 1) for \(count) shards (K is 0-based)")
        }
    }

    public var description: String { "shard \(index)/\(count) (rows \(firstRow)..<\(firstRow + rows) of \(totalRows))" }
}

/// Which shard a capture is asked for (`--shard K/N`), before the row count is known.
public struct ShardSpec: Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `K/N`; see `StoreShard.parse`.
    public init(parsing text: String) throws { self = try StoreShard.parse(text) }

    public var description: String { "\(index)/\(count)" }
}

/// Root attribute names of a shard file and of a merged file.
enum ShardAttribute {
    static let index = "shard_index", count = "shard_count", firstRow = "shard_first_row", rows = "shard_rows"
    static let totalRows = "shard_total_rows", finished = "shard_finished"
    /// Merged files: the shard files (relative to the merged file's folder), in shard order, and the mode.
    static let mergedFrom = "merged_from", mergedShardRows = "merged_shard_rows", mergeMode = "merge_mode"
}

extension StoreShard {
    /// Writes the shard attributes (`shard_finished` = 0).
    func write(to file: H5File) throws {
        try file.setAttribute(ShardAttribute.index, int: Int64(index))
        try file.setAttribute(ShardAttribute.count, int: Int64(count))
        try file.setAttribute(ShardAttribute.firstRow, int: Int64(firstRow))
        try file.setAttribute(ShardAttribute.rows, int: Int64(rows))
        try file.setAttribute(ShardAttribute.totalRows, int: Int64(totalRows))
        try file.setAttribute(ShardAttribute.finished, int: 0)
    }

    /// The shard recorded in a file, nil when the file is not a shard (no `shard_index`).
    static func read(from file: H5File) throws -> (shard: StoreShard, finished: Bool)? {
        guard try file.hasAttribute(ShardAttribute.index) else { return nil }
        func int(_ name: String) throws -> Int {
            guard try file.hasAttribute(name) else {
                throw StoreError.missingObject(path: file.path, object: "/@\(name)")
            }
            return Int(try file.intAttribute(name))
        }
        let shard = try StoreShard(
            index: try int(ShardAttribute.index), count: try int(ShardAttribute.count),
            totalRows: try int(ShardAttribute.totalRows))
        guard try int(ShardAttribute.firstRow) == shard.firstRow, try int(ShardAttribute.rows) == shard.rows else {
            throw StoreError.shapeMismatch(
                path: file.path, object: "/@shard_first_row",
                expected: "\(shard.firstRow) and \(shard.rows) rows for \(shard)",
                found: "other values (the file's shard attributes are inconsistent)")
        }
        return (shard, try file.hasAttribute(ShardAttribute.finished) && int(ShardAttribute.finished) == 1)
    }
}
