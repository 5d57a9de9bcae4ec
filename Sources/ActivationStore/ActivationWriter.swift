import Foundation
import Hooks

/// Streams example rows and activations into an activation file (format_version 1), batch by batch.
///
/// Rows are buffered until a whole chunk can be written (so compressed chunks are written once), then every
/// array is written and only then `committed_rows` is raised and the file flushed: a reader, or a resumed
/// run, never trusts a half-written batch. Memory is bounded by one chunk of rows per hook plus one batch.
public final class ActivationWriter {
    /// How a new file is laid out.
    public struct Options: Sendable {
        public var compression: StoreCompression
        /// Replace an existing file.
        public var overwrite: Bool
        /// Rows per activation chunk; nil chooses from the widest hook (`StoreSchema.chunkRows`).
        public var chunkRows: Int?
        /// The shard this file holds (`capture --shard K/N`), recorded in its root attributes; nil for a whole capture.
        public var shard: StoreShard?

        public init(
            compression: StoreCompression = .default, overwrite: Bool = false, chunkRows: Int? = nil,
            shard: StoreShard? = nil
        ) {
            self.compression = compression
            self.overwrite = overwrite
            self.chunkRows = chunkRows
            self.shard = shard
        }
    }

    public let path: String
    public let header: StoreHeader
    /// Floats per row of each hook's dataset.
    public let widths: [HookName: Int]
    /// Example rows on disk and committed.
    public private(set) var committedRows: Int
    /// Example rows accepted but not yet written.
    public var pendingRows: Int { pending.examples.count }

    let file: H5File
    /// Rows per activation chunk; whole multiples of it are committed together (except the last rows).
    public let chunkRows: Int
    let compression: StoreCompression
    private var pending: ActivationBatch
    private var hookDatasets: [HookName: H5Dataset] = [:]
    var exampleDatasets: [String: H5Dataset] = [:]
    /// `/confidence/<column>`, created when the first batch that has confidences is written.
    var confidenceDatasets: [String: H5Dataset] = [:]
    /// `/positions/<name>/<hook>`, created when the first batch that has them is written.
    var positionDatasets: [String: H5Dataset] = [:]
    /// Activation rows committed (= committedRows except for position `all`).
    private(set) var committedActivationRows: Int

    /// Set by the first failed write or commit: the writer then refuses further work, and the file keeps its last
    /// commit (`committed_rows` is raised only after the rows are flushed to disk).
    var failure: (any Error)?
    /// Test hook: thrown in place of the flush that precedes a commit mark, as a full disk would.
    var injectedFlushFailure: (any Error)?

    /// Writes `/examples/*` (and `/tokens/offsets`) only: `/activations/*` are made by someone else
    /// (`StoreMerger`'s virtual datasets), so batches carry no activations.
    let examplesOnly: Bool

    init(
        file: H5File, header: StoreHeader, widths: [HookName: Int], committedRows: Int, committedActivationRows: Int,
        chunkRows: Int, compression: StoreCompression, examplesOnly: Bool = false
    ) throws {
        self.examplesOnly = examplesOnly
        self.file = file
        self.path = file.path
        self.header = header
        self.widths = widths
        self.committedRows = committedRows
        self.committedActivationRows = committedActivationRows
        self.chunkRows = chunkRows
        self.compression = compression
        self.pending = ActivationBatch(
            examples: [], activations: [:], rowsPerExample: header.position == .all ? [] : nil)
        for hook in header.hooks where !examplesOnly {
            hookDatasets[hook] = try file.openDataset(StoreSchema.activations(hook))
        }
        for path in [StoreSchema.text, StoreSchema.label, StoreSchema.source, StoreSchema.nTokens] {
            exampleDatasets[path] = try file.openDataset(path)
        }
        if try file.exists(StoreSchema.answer) {
            exampleDatasets[StoreSchema.answer] = try file.openDataset(StoreSchema.answer)
        }
        if try file.exists(StoreSchema.metaGroup) {
            for column in try file.childNames(of: StoreSchema.metaGroup) {
                exampleDatasets[StoreSchema.meta(column)] = try file.openDataset(StoreSchema.meta(column))
            }
        }
        if header.position == .all {
            exampleDatasets[StoreSchema.tokenOffsets] = try file.openDataset(StoreSchema.tokenOffsets)
        }
        if try file.exists(StoreSchema.confidenceGroup) {
            for column in try file.childNames(of: StoreSchema.confidenceGroup) {
                confidenceDatasets[column] = try file.openDataset(StoreSchema.confidence(column))
            }
        }
        for path in try Self.positionPaths(in: file) { positionDatasets[path] = try file.openDataset(path) }
    }

    /// Every `/positions/<name>/<hook>` dataset in `file`.
    static func positionPaths(in file: H5File) throws -> [String] {
        guard try file.exists(StoreSchema.positionsGroup) else { return [] }
        return try file.childNames(of: StoreSchema.positionsGroup).flatMap { name in
            try file.childNames(of: "\(StoreSchema.positionsGroup)/\(name)").map {
                "\(StoreSchema.positionsGroup)/\(name)/\($0)"
            }
        }
    }

    /// Creates a new file with the header's hooks; `hookWidths` gives widths that differ from `d_model`
    /// (e.g. `blocks.3.mlp.hook_post` is 1536 wide on SmolLM2-135M). Refuses an existing file unless `overwrite`.
    public static func create(
        path: String, header: StoreHeader, hookWidths: [HookName: Int] = [:],
        options: Options = Options()
    ) throws -> ActivationWriter {
        try create(path: path, header: header, hookWidths: hookWidths, options: options, examplesOnly: false)
    }

    static func create(
        path: String, header: StoreHeader, hookWidths: [HookName: Int], options: Options,
        examplesOnly: Bool
    ) throws -> ActivationWriter {
        guard !header.hooks.isEmpty else {
            throw StoreError.invalidArgument(what: "hook list", detail: "no hooks to store")
        }
        try header.validateSizes(path: path)
        guard Set(header.hooks).count == header.hooks.count else {
            throw StoreError.invalidArgument(what: "hook list", detail: "a hook is listed twice")
        }
        let widths = Dictionary(uniqueKeysWithValues: header.hooks.map { ($0, hookWidths[$0] ?? header.dModel) })
        guard widths.values.allSatisfy({ $0 > 0 }) else {
            throw StoreError.invalidArgument(what: "hook width", detail: "every hook needs a positive width (d_model)")
        }
        let chunkRows = options.chunkRows ?? StoreSchema.chunkRows(forWidth: widths.values.max() ?? header.dModel)
        let file = try H5File.create(path: path, overwrite: options.overwrite)
        try header.write(to: file)
        try options.shard?.write(to: file)
        for hook in header.hooks where !examplesOnly {
            _ = try file.createDataset(
                StoreSchema.activations(hook), element: .float32, width: widths[hook],
                chunkRows: chunkRows, compression: options.compression)
        }
        let rows = StoreSchema.exampleChunkRows
        _ = try file.createDataset(
            StoreSchema.text, element: .utf8String, width: nil, chunkRows: rows, compression: .none)
        _ = try file.createDataset(
            StoreSchema.label, element: .int8, width: nil, chunkRows: rows, compression: options.compression)
        _ = try file.createDataset(
            StoreSchema.source, element: .utf8String, width: nil, chunkRows: rows, compression: .none)
        _ = try file.createDataset(
            StoreSchema.nTokens, element: .int32, width: nil, chunkRows: rows, compression: options.compression)
        if header.position == .all {
            let offsets = try file.createDataset(
                StoreSchema.tokenOffsets, element: .int64, width: nil, chunkRows: rows,
                compression: options.compression)
            try offsets.append([Int64(0)], rowCount: 1)
        }
        try file.setAttribute(RootAttribute.committedRows, int: 0)
        try file.flush()
        return try ActivationWriter(
            file: file, header: header, widths: widths, committedRows: 0,
            committedActivationRows: 0, chunkRows: chunkRows, compression: options.compression,
            examplesOnly: examplesOnly)
    }

    /// Accepts a batch. Whole chunks are written and committed as soon as they are complete.
    public func append(_ batch: ActivationBatch) throws {
        if let failure { throw failure }
        try validate(batch)
        pending.append(batch)
        if header.position == .all {
            if pending.activationRows >= 4 * chunkRows { try writePending(count: pending.examples.count) }
        } else if pending.examples.count >= chunkRows {
            try writePending(count: pending.examples.count / chunkRows * chunkRows)
        }
    }

    /// Writes and commits every pending row (a partial last chunk included).
    public func commit() throws {
        if let failure { throw failure }
        if !pending.examples.isEmpty { try writePending(count: pending.examples.count) }
    }

    /// Commits pending rows, stamps `updated_at` and closes the file.
    public func close() throws {
        if let failure {  // release the file without touching its last commit
            hookDatasets = [:]
            exampleDatasets = [:]
            confidenceDatasets = [:]
            try? file.close()
            throw failure
        }
        try commit()
        try file.setAttribute(RootAttribute.updatedAt, string: StoreHeader.now())
        try file.flush()
        hookDatasets = [:]
        exampleDatasets = [:]
        confidenceDatasets = [:]
        positionDatasets = [:]
        try file.close()
    }

    /// Commits pending rows and sets `shard_finished` = 1: the capture wrote every row of its shard, so
    /// `polygraph merge` may use the file. A no-op for a file that is not a shard.
    public func markShardFinished() throws {
        try commit()
        guard try file.hasAttribute(ShardAttribute.index) else { return }
        try file.setAttribute(ShardAttribute.finished, int: 1)
        try file.flush()
    }

    /// A string column's values (`StoreSchema.text`, `StoreSchema.answer`) for committed `rows`, or nil when the
    /// file has no such column (a resumed capture checks that it continues the same datasets).
    public func committedStrings(_ column: String, rows: Range<Int>) throws -> [String]? {
        guard let dataset = exampleDatasets[column] else { return nil }
        guard rows.lowerBound >= 0, rows.upperBound <= committedRows else {
            throw StoreError.rowRange(
                path: path, object: column, requested: "\(rows.lowerBound)..<\(rows.upperBound)",
                available: committedRows)
        }
        return rows.isEmpty ? [] : try dataset.readStrings(startRow: rows.lowerBound, rowCount: rows.count)
    }

    private func validate(_ batch: ActivationBatch) throws {
        let rows = batch.activationRows
        if header.position == .all {
            guard let perExample = batch.rowsPerExample, perExample.count == batch.examples.count else {
                throw StoreError.invalidArgument(
                    what: "batch", detail: "position all needs rowsPerExample for every example")
            }
        } else if batch.rowsPerExample != nil {
            throw StoreError.invalidArgument(what: "batch", detail: "rowsPerExample is only for position all")
        }
        for hook in header.hooks where !examplesOnly {
            guard let values = batch.activations[hook] else {
                throw StoreError.invalidArgument(what: "batch", detail: "no activations for hook \(hook)")
            }
            let width = widths[hook] ?? header.dModel
            guard values.count == rows * width else {
                throw StoreError.shapeMismatch(
                    path: path, object: StoreSchema.activations(hook),
                    expected: "\(rows) x \(width) floats in the batch", found: "\(values.count)")
            }
        }
        if let unknown = batch.activations.keys.first(where: { widths[$0] == nil }) {
            throw StoreError.invalidArgument(what: "batch", detail: "hook \(unknown) is not in this file's hook list")
        }
    }

    /// Writes the first `count` pending examples: activations, offsets, example arrays; flushes them; and only
    /// then raises the commit mark. A failure on the way leaves the mark, and so the file, at the last commit.
    private func writePending(count: Int) throws {
        if let failure { throw failure }
        let batch = pending.removeFirst(count, widths: widths)
        do {
            try reserveSpace(for: batch)
            defer { releaseReservedSpace() }
            try writeRows(batch, count: count)
            if let injectedFlushFailure { throw injectedFlushFailure }
            try file.flush()
            try file.setAttribute(RootAttribute.committedRows, int: Int64(committedRows + count))
            try file.flush()
        } catch {
            let failed = commitFailure(error, rows: count)
            failure = failed
            throw failed
        }
        committedRows += count
        committedActivationRows += batch.activationRows
    }

    private func writeRows(_ batch: ActivationBatch, count: Int) throws {
        let rows = batch.activationRows
        for hook in header.hooks {
            guard let dataset = hookDatasets[hook], let values = batch.activations[hook] else { continue }
            try dataset.setRowCount(committedActivationRows + rows)
            try values.withUnsafeBufferPointer {
                try dataset.write($0, startRow: committedActivationRows, rowCount: rows)
            }
        }
        if let perExample = batch.rowsPerExample, let offsets = exampleDatasets[StoreSchema.tokenOffsets] {
            var running = Int64(committedActivationRows)
            try offsets.append(
                perExample.map {
                    running += Int64($0); return running
                }, rowCount: perExample.count)
        }
        try exampleDatasets[StoreSchema.text]?.appendStrings(batch.examples.map(\.text))
        try exampleDatasets[StoreSchema.label]?.append(batch.examples.map(\.label), rowCount: count)
        try exampleDatasets[StoreSchema.source]?.appendStrings(batch.examples.map(\.source))
        try exampleDatasets[StoreSchema.nTokens]?.append(batch.examples.map(\.nTokens), rowCount: count)
        try writeOptionalStrings(batch)
        try writeConfidence(batch)
        try writePositions(batch, rows: count)
    }
}
