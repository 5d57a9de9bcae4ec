import Foundation
import Hooks

/// What `polygraph inspect FILE.h5` reports about an activation file: schema, counts, label balance,
/// sources, hooks with their storage, and every root attribute. Codable for `--json`; `text` for people.
public struct StoreSummary: Codable, Sendable {
    public struct Labels: Codable, Sendable, Equatable {
        public var trueCount: Int
        public var falseCount: Int
        public var unknown: Int

        enum CodingKeys: String, CodingKey { case trueCount = "true", falseCount = "false", unknown }
    }
    public struct SourceCount: Codable, Sendable, Equatable {
        public var name: String
        public var count: Int
    }
    public struct Hook: Codable, Sendable, Equatable {
        public var name: HookName
        public var shape: [Int]
        public var dtype: String
        public var compression: String
        public var chunks: [Int]?
        /// "virtual" for a merged file's datasets over shard files; nil for ordinary (chunked) storage.
        public var layout: String?
    }
    /// One shard of a merged file: its file (relative to the merged file's folder), rows, and whether it is there.
    public struct MergedShard: Codable, Sendable, Equatable {
        public var file: String
        public var rows: Int
        public var present: Bool
    }

    public var path: String
    public var fileBytes: Int
    public var format: String
    public var formatVersion: Int
    public var header: StoreHeader
    /// Committed examples.
    public var examples: Int
    public var labels: Labels
    /// In order of first appearance.
    public var sources: [SourceCount]
    public var hooks: [Hook]
    /// Datasets under `/examples` (including `meta/*`), with their lengths.
    public var exampleArrays: [String: Int]
    public var metaColumns: [String]
    public var hasAnswers: Bool
    /// Every root attribute rendered as text.
    public var attributes: [String: String]
    /// A shard file (`capture --shard K/N`): which shard, and whether its capture finished.
    public var shard: StoreShard? = nil
    public var shardFinished: Bool? = nil
    /// A merged file (`polygraph merge`): "virtual" or "copy", and its shards in order.
    public var mergeMode: String? = nil
    public var mergedShards: [MergedShard]? = nil

    /// Reads the summary, streaming labels and sources in blocks (flat memory however large the file).
    public static func read(path: String) throws -> StoreSummary {
        let reader = try ActivationReader(path: path, requireShards: false)
        let file = reader.file
        var labels = Labels(trueCount: 0, falseCount: 0, unknown: 0)
        var sourceOrder: [String] = []
        var sourceCounts: [String: Int] = [:]
        let block = 65_536
        for start in stride(from: 0, to: reader.count, by: block) {
            let range = start..<min(reader.count, start + block)
            for label in try reader.labels(range) {
                switch label {
                case 1: labels.trueCount += 1
                case 0: labels.falseCount += 1
                default: labels.unknown += 1
                }
            }
            for source in try reader.sources(range) {
                if sourceCounts[source] == nil { sourceOrder.append(source) }
                sourceCounts[source, default: 0] += 1
            }
        }
        var hooks: [Hook] = []
        for name in reader.header.hooks {
            let dataset = try file.openDataset(StoreSchema.activations(name))
            let layout = try dataset.storageLayout()
            hooks.append(
                Hook(
                    name: name, shape: try dataset.shape(), dtype: try dataset.elementTypeName(),
                    compression: layout.compression, chunks: layout.chunks,
                    layout: try dataset.virtualSourceFiles() == nil ? nil : "virtual"))
        }
        var arrays: [String: Int] = [:]
        for name in try file.childNames(of: StoreSchema.examplesGroup) where name != "meta" {
            arrays[name] = try file.openDataset("\(StoreSchema.examplesGroup)/\(name)").rowCount()
        }
        for column in reader.metaColumns {
            arrays["meta/\(column)"] = try file.openDataset(StoreSchema.meta(column)).rowCount()
        }
        var attributes: [String: String] = [:]
        for name in try file.attributeNames() {
            if let values = try? file.intsAttribute(name) {
                attributes[name] = values.map(String.init).joined(separator: ",")
            } else if let values = try? file.stringsAttribute(name) {
                attributes[name] =
                    name == RootAttribute.hooks ? values.joined(separator: ",") : values.joined(separator: "\n")
            } else {
                attributes[name] = "(unreadable type)"
            }
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        var merged: [MergedShard]? = nil
        if !reader.mergedFrom.isEmpty {
            let rows = (try? file.intsAttribute(ShardAttribute.mergedShardRows)) ?? []
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            merged = reader.mergedFrom.enumerated().map { index, name in
                let resolved = name.hasPrefix("/") ? name : folder.appendingPathComponent(name).path
                return MergedShard(
                    file: name, rows: index < rows.count ? Int(rows[index]) : -1,
                    present: FileManager.default.fileExists(atPath: resolved))
            }
        }
        var summary = StoreSummary(
            path: path, fileBytes: bytes, format: StoreSchema.format, formatVersion: StoreSchema.formatVersion,
            header: reader.header, examples: reader.count, labels: labels,
            sources: sourceOrder.map { SourceCount(name: $0, count: sourceCounts[$0] ?? 0) },
            hooks: hooks, exampleArrays: arrays, metaColumns: reader.metaColumns,
            hasAnswers: reader.hasAnswers, attributes: attributes)
        summary.shard = reader.shard
        summary.shardFinished = reader.shard == nil ? nil : reader.shardFinished
        summary.mergeMode = merged == nil ? nil : (try? file.stringAttribute(ShardAttribute.mergeMode))
        summary.mergedShards = merged
        return summary
    }

    /// A human-readable rendering for the terminal.
    public var text: String {
        var lines: [String] = []
        let megabytes = String(format: "%.1f MB", Double(fileBytes) / 1e6)
        lines.append("\(path): Polygraph activation file (\(format) v\(formatVersion), \(megabytes))")
        lines.append(
            "model:     \(header.modelName) (\(header.modelArchitecture)), \(header.nLayers) layers, d_model \(header.dModel)"
        )
        lines.append("sha256:    \(header.modelSHA256)")
        lines.append(
            "position:  \(header.position.rawValue)   prompt template: \(header.promptTemplate.isEmpty ? "(raw)" : header.promptTemplate)"
        )
        if let sampling = header.answerSampling { lines.append("answers:   sampled, \(sampling)") }
        lines.append("created:   \(header.createdAt) by \(header.createdBy)")
        let total = max(1, examples)
        func percent(_ n: Int) -> String { String(format: "%.1f%%", 100 * Double(n) / Double(total)) }
        lines.append(
            "examples:  \(examples)   labels: true \(labels.trueCount) (\(percent(labels.trueCount))), "
                + "false \(labels.falseCount) (\(percent(labels.falseCount))), unknown \(labels.unknown)")
        lines.append(
            "sources:   "
                + (sources.isEmpty ? "(none)" : sources.map { "\($0.name) (\($0.count))" }.joined(separator: ", ")))
        if !metaColumns.isEmpty { lines.append("meta:      " + metaColumns.joined(separator: ", ")) }
        if hasAnswers {
            // a given answer (scored by teacher forcing) is marked in meta answer_source
            let kind =
                metaColumns.contains("answer_source")
                ? "generated, or given where meta answer_source says so" : "generated"
            lines.append("answers:   /examples/answer (\(kind))")
        }
        lines.append("hooks:     \(hooks.count)")
        for hook in hooks {
            let chunks =
                hook.layout == "virtual"
                ? "virtual (rows mapped onto the shard files)"
                : hook.chunks.map { "chunks \($0.map(String.init).joined(separator: "x"))" } ?? "contiguous"
            lines.append(
                "  /activations/\(hook.name)  \(hook.dtype) [\(hook.shape.map(String.init).joined(separator: ", "))]  \(hook.compression), \(chunks)"
            )
        }
        if let shard {
            lines.append(
                "shard:     \(shard.index)/\(shard.count): rows \(shard.firstRow)..<\(shard.firstRow + shard.rows) of \(shard.totalRows)"
                    + ((shardFinished ?? false) ? ", finished" : ", UNFINISHED (resume the capture before merging)"))
        }
        if let mergedShards {
            lines.append("merged:    \(mergedShards.count) shards (\(mergeMode ?? "?"))")
            var first = 0
            for (index, shard) in mergedShards.enumerated() {
                let state = mergeMode == "virtual" && !shard.present ? "  MISSING (reads of its rows fail)" : ""
                lines.append(
                    "  \(index)/\(mergedShards.count)  rows \(first)..<\(first + shard.rows)  \(shard.file)\(state)")
                first += shard.rows
            }
        }
        lines.append(
            "arrays:    "
                + exampleArrays.keys.sorted().map { "/examples/\($0) [\(exampleArrays[$0] ?? 0)]" }.joined(
                    separator: ", "))
        return lines.joined(separator: "\n")
    }
}
