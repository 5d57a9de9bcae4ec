import Foundation
import Hooks

extension ActivationWriter {
    /// Opens `path` for appending after its committed rows, or creates it when it does not exist.
    ///
    /// The file must have the same model sha256, hook list, position and prompt template as `header`
    /// (otherwise `incompatibleResume` names the field). Anything written beyond `committed_rows` by an
    /// interrupted run is truncated away, so the next appended row follows the last committed one.
    public static func resume(
        path: String, header requested: StoreHeader, hookWidths: [HookName: Int] = [:],
        options: Options = Options()
    ) throws -> ActivationWriter {
        guard FileManager.default.fileExists(atPath: path) else {
            var fresh = options
            fresh.overwrite = false
            return try create(path: path, header: requested, hookWidths: hookWidths, options: fresh)
        }
        let file = try H5File.open(path: path, writable: true)
        let existing = try StoreHeader.read(from: file)
        if let conflict = existing.resumeConflict(with: requested) {
            throw StoreError.incompatibleResume(
                path: path, field: conflict.field, existing: conflict.existing,
                requested: conflict.requested)
        }
        let existingShard = try StoreShard.read(from: file)?.shard
        if existingShard != options.shard {
            throw StoreError.incompatibleResume(
                path: path, field: "shard",
                existing: existingShard.map(\.description) ?? "none (a whole capture)",
                requested: options.shard.map(\.description) ?? "none (a whole capture)")
        }
        let committed =
            try file.hasAttribute(RootAttribute.committedRows)
            ? Int(try file.intAttribute(RootAttribute.committedRows)) : 0
        var widths: [HookName: Int] = [:]
        var chunkRows = options.chunkRows ?? StoreSchema.chunkRows(forWidth: existing.dModel)
        var compression = options.compression
        for (index, hook) in existing.hooks.enumerated() {
            let dataset = try file.openDataset(StoreSchema.activations(hook))
            widths[hook] = try dataset.rowWidth()
            if let expected = hookWidths[hook], expected != widths[hook] {
                throw StoreError.incompatibleResume(
                    path: path, field: "width of \(hook)",
                    existing: "\(widths[hook] ?? 0)", requested: "\(expected)")
            }
            if index == 0 {
                let layout = try dataset.storageLayout()
                if let rows = layout.chunks?.first { chunkRows = rows }
                if layout.compression == "none" { compression = .none }
            }
        }
        var committedActivationRows = committed
        if existing.position == .all {
            let offsets = try file.openDataset(StoreSchema.tokenOffsets)
            guard try offsets.rowCount() > committed else {
                throw StoreError.shapeMismatch(
                    path: path, object: StoreSchema.tokenOffsets,
                    expected: "at least \(committed + 1) offsets", found: "\(try offsets.rowCount())")
            }
            committedActivationRows = Int(try offsets.read(startRow: committed, rowCount: 1, as: Int64.self)[0])
            try offsets.setRowCount(committed + 1)
        }
        try truncate(file, existing.hooks.map(StoreSchema.activations), to: committedActivationRows)
        var exampleArrays = [StoreSchema.text, StoreSchema.label, StoreSchema.source, StoreSchema.nTokens]
        if try file.exists(StoreSchema.answer) { exampleArrays.append(StoreSchema.answer) }
        if try file.exists(StoreSchema.metaGroup) {
            exampleArrays += try file.childNames(of: StoreSchema.metaGroup).map(StoreSchema.meta)
        }
        try truncate(file, exampleArrays, to: committed)
        try truncate(file, try positionPaths(in: file), to: committed)
        if try file.exists(StoreSchema.confidenceGroup) {
            let columns = try file.childNames(of: StoreSchema.confidenceGroup)
            try truncate(
                file, columns.filter { ConfidenceSummary.tokenColumns.contains($0) }.map(StoreSchema.confidence),
                to: committedActivationRows)
            try truncate(
                file, columns.filter { !ConfidenceSummary.tokenColumns.contains($0) }.map(StoreSchema.confidence),
                to: committed)
        }
        try file.flush()
        return try ActivationWriter(
            file: file, header: existing, widths: widths, committedRows: committed,
            committedActivationRows: committedActivationRows, chunkRows: chunkRows,
            compression: compression)
    }

    /// Cuts datasets back to `rows`; one that has fewer rows than committed means a damaged file.
    private static func truncate(_ file: H5File, _ paths: [String], to rows: Int) throws {
        for path in paths {
            let dataset = try file.openDataset(path)
            let count = try dataset.rowCount()
            if count < rows {
                throw StoreError.shapeMismatch(
                    path: file.path, object: path, expected: "at least \(rows) committed rows",
                    found: "\(count) rows (the file is damaged; start again with --overwrite)")
            }
            if count > rows { try dataset.setRowCount(rows) }
        }
    }
}
