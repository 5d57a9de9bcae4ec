import Foundation
import Hooks

/// The optional arrays of an activation file, written with each commit: answers and metadata columns
/// (`/examples/answer`, `/examples/meta/*`), the model's own confidence (`/confidence/*`) and the extra answer
/// positions (`/positions/<name>/<hook>`).
extension ActivationWriter {
    /// `/examples/answer` and `/examples/meta/*`: created on first use and back-filled with "" for
    /// earlier rows; rows without a value get "".
    func writeOptionalStrings(_ batch: ActivationBatch) throws {
        var columns: [(path: String, values: [String])] = []
        let hasAnswers = batch.examples.contains { $0.answer != nil }
        if hasAnswers || exampleDatasets[StoreSchema.answer] != nil {
            columns.append((StoreSchema.answer, batch.examples.map { $0.answer ?? "" }))
        }
        var names = Set(batch.examples.flatMap { $0.meta.keys.map(StoreSchema.safeColumnName) })
        for key in exampleDatasets.keys where key.hasPrefix(StoreSchema.metaGroup + "/") {
            names.insert(String(key.dropFirst(StoreSchema.metaGroup.count + 1)))
        }
        for name in names.sorted() {
            columns.append(
                (
                    StoreSchema.meta(name),
                    batch.examples.map { example in
                        example.meta.first { StoreSchema.safeColumnName($0.key) == name }?.value ?? ""
                    }
                ))
        }
        for (path, values) in columns {
            let dataset: H5Dataset
            if let existing = exampleDatasets[path] {
                dataset = existing
            } else {
                dataset = try file.createDataset(
                    path, element: .utf8String, width: nil,
                    chunkRows: StoreSchema.exampleChunkRows, compression: .none)
                if committedRows > 0 { try dataset.appendStrings(Array(repeating: "", count: committedRows)) }
                exampleDatasets[path] = dataset
            }
            try dataset.appendStrings(values)
        }
    }

    /// `/confidence/*`: per-example summaries (one float per example) and, for position `all`, per-token series
    /// (one float per activation row). Created on first use and back-filled with NaN for earlier rows; rows without
    /// a value get NaN.
    func writeConfidence(_ batch: ActivationBatch) throws {
        let hasSummaries = batch.examples.contains { $0.confidence != nil }
        let hasSeries = batch.tokenConfidence != nil && header.position == .all
        for (k, column) in ConfidenceSummary.columns.enumerated()
        where hasSummaries || confidenceDatasets[column] != nil {
            let values = batch.examples.map { $0.confidence?.values[k] ?? .nan }
            try confidenceDataset(column, backfill: committedRows).append(values, rowCount: values.count)
        }
        let rows = batch.activationRows
        for column in ConfidenceSummary.tokenColumns where hasSeries || confidenceDatasets[column] != nil {
            let values = batch.tokenConfidence?[column] ?? [Float](repeating: .nan, count: rows)
            guard values.count == rows else {
                throw StoreError.shapeMismatch(
                    path: path, object: StoreSchema.confidence(column),
                    expected: "\(rows) values in the batch", found: "\(values.count)")
            }
            try confidenceDataset(column, backfill: committedActivationRows).append(values, rowCount: rows)
        }
    }

    private func confidenceDataset(_ column: String, backfill rows: Int) throws -> H5Dataset {
        if let existing = confidenceDatasets[column] { return existing }
        let dataset = try file.createDataset(
            StoreSchema.confidence(column), element: .float32, width: nil,
            chunkRows: StoreSchema.exampleChunkRows, compression: compression)
        if rows > 0 { try dataset.append([Float](repeating: .nan, count: rows), rowCount: rows) }
        confidenceDatasets[column] = dataset
        return dataset
    }

    /// `/positions/<name>/<hook>` of an answer capture: created on first use (earlier rows back-filled with NaN);
    /// once a dataset exists, a batch without its rows gets NaN rows.
    func writePositions(_ batch: ActivationBatch, rows: Int) throws {
        for name in StoreSchema.answerPositions {
            for hook in header.hooks {
                let path = StoreSchema.position(name, hook)
                let values = batch.positions[name]?[hook]
                guard values != nil || positionDatasets[path] != nil else { continue }
                let width = widths[hook] ?? header.dModel
                let data = values ?? [Float](repeating: .nan, count: rows * width)
                guard data.count == rows * width else {
                    throw StoreError.shapeMismatch(
                        path: self.path, object: path, expected: "\(rows) x \(width) floats",
                        found: "\(data.count)")
                }
                let dataset: H5Dataset
                if let existing = positionDatasets[path] {
                    dataset = existing
                } else {
                    dataset = try file.createDataset(
                        path, element: .float32, width: width, chunkRows: chunkRows,
                        compression: compression)
                    if committedRows > 0 {
                        try dataset.append(
                            [Float](repeating: .nan, count: committedRows * width), rowCount: committedRows)
                    }
                    positionDatasets[path] = dataset
                }
                try dataset.append(data, rowCount: rows)
            }
        }
    }
}
