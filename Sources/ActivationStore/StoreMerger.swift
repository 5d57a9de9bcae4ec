import Foundation
import Hooks

/// `polygraph merge`: joins the shard files of one capture into one activation file whose rows are in
/// single-process order (shard 0's rows, then shard 1's, ...).
///
/// `virtual` (default): `/activations/*` are HDF5 virtual datasets over the shard files, mapped by paths relative
/// to the merged file's folder (the folder can move as a whole); the small `/examples/*` arrays are copied.
/// `copy`: one self-contained file, laid out like a single-process capture. Root attributes `merged_from`
/// (shard file names, relative), `merged_shard_rows` (int64 per shard) and `merge_mode` are added.
public enum StoreMerger {
    public enum Mode: String, Codable, Sendable { case virtual, copy }

    public struct Summary: Codable, Sendable {
        public var path: String
        public var mode: Mode
        public var shards: Int
        public var rows: Int
        public var seconds: Double
        public var fileBytes: Int

        public var text: String {
            String(
                format: "merged %d shards (%d rows) -> %@ (%@, %.1f MB) in %.2f s", shards, rows, path,
                mode == .virtual ? "virtual datasets over the shard files" : "self-contained copy",
                Double(fileBytes) / 1e6, seconds)
        }
    }

    /// Bytes of activations per copied block by default (bounds memory: one block of every hook).
    public static let defaultBlockBytes = 32 << 20

    public static func merge(
        shards paths: [String], out: String, mode: Mode, overwrite: Bool = false,
        blockBytes: Int = defaultBlockBytes
    ) throws -> Summary {
        let started = Date()
        let outURL = URL(fileURLWithPath: out).standardizedFileURL
        for path in paths
        where URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath()
            == outURL.resolvingSymlinksInPath()
        {
            throw StoreError.mergeRefused(
                path: path, reason: "it is also the --out file; write the merged file elsewhere")
        }
        if !overwrite && FileManager.default.fileExists(atPath: out) { throw StoreError.fileExists(path: out) }
        let set = try ShardSet(paths: paths)
        var header = set.header
        header.createdAt = StoreHeader.now()
        let layout = try set.shards[0].storageOptions()
        let options = ActivationWriter.Options(
            compression: layout.compression, overwrite: overwrite, chunkRows: layout.chunkRows)
        let writer = try ActivationWriter.create(
            path: out, header: header, hookWidths: set.widths, options: options,
            examplesOnly: mode == .virtual)
        do {
            // Extra answer positions (`/positions`) are small (one row per example and hook): copied in both modes,
            // when every shard with rows has the same ones.
            let filled = set.shards.filter { $0.count > 0 }
            let positions =
                filled.allSatisfy { $0.positions == filled.first?.positions } ? filled.first?.positions ?? [] : []
            for shard in set.shards {
                try copyRows(
                    of: shard, into: writer, activations: mode == .copy, positions: positions,
                    blockBytes: blockBytes)
            }
            try writer.commit()
            if mode == .virtual {
                let folder = outURL.deletingLastPathComponent()
                for hook in header.hooks {
                    let sources = try set.shards.map { shard in
                        H5File.VirtualSource(
                            file: relativePath(shard.path, from: folder),
                            dataset: StoreSchema.activations(hook), rows: try shard.activationRowCount())
                    }
                    try writer.file.createVirtualDataset(
                        StoreSchema.activations(hook), width: set.widths[hook] ?? header.dModel,
                        sources: sources)
                }
            }
            let folder = outURL.deletingLastPathComponent()
            try writer.file.setAttribute(
                ShardAttribute.mergedFrom, strings: set.shards.map { relativePath($0.path, from: folder) })
            try writer.file.setAttribute(ShardAttribute.mergedShardRows, ints: set.shards.map { Int64($0.count) })
            try writer.file.setAttribute(ShardAttribute.mergeMode, string: mode.rawValue)
            try writer.close()
        } catch {
            try? writer.close()
            try? FileManager.default.removeItem(atPath: out)  // never leave a half-merged file behind
            throw error
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        return Summary(
            path: out, mode: mode, shards: set.shards.count, rows: set.totalRows,
            seconds: Date().timeIntervalSince(started), fileBytes: bytes)
    }

    /// Appends a shard's rows block by block: example records (meta columns, answers), token row counts for
    /// position `all`, and (copy mode) the activations.
    static func copyRows(
        of shard: ActivationReader, into writer: ActivationWriter, activations: Bool,
        positions: [ProbePosition] = [], blockBytes: Int
    ) throws {
        let rowBytes = max(1, try shard.header.hooks.reduce(0) { $0 + (try shard.width(of: $1)) * 4 })
        let budget = activations ? max(1, blockBytes / rowBytes) : 65_536  // activation rows per block
        let tokens = try shard.tokenRanges()  // position all: activation rows per example vary
        var start = 0
        while start < shard.count {
            var end = min(shard.count, start + budget)
            if let tokens {  // as many examples as fit the budget (at least one)
                end = start + 1
                while end < shard.count && tokens[end].upperBound - tokens[start].lowerBound <= budget { end += 1 }
            }
            let range = start..<end
            start = end
            let texts = try shard.texts(range), labels = try shard.labels(range), sources = try shard.sources(range)
            let nTokens = try shard.nTokens(range), answers = try shard.answers(range)
            var meta: [String: [String]] = [:]
            for column in shard.metaColumns { meta[column] = try shard.meta(column, range) }
            let confidence = try shard.confidence(range)
            var batch = ActivationBatch(
                examples: [], activations: [:], rowsPerExample: try shard.tokenRanges(range)?.map(\.count),
                tokenConfidence: try shard.tokenConfidence(range))
            for (i, text) in texts.enumerated() {
                let summary = confidence.map { c in
                    ConfidenceSummary(
                        meanLogprob: c["mean_logprob"]?[i] ?? .nan, minLogprob: c["min_logprob"]?[i] ?? .nan,
                        meanEntropy: c["mean_entropy"]?[i] ?? .nan, meanMargin: c["mean_margin"]?[i] ?? .nan)
                }
                batch.examples.append(
                    ExampleRecord(
                        text: text, label: labels[i], source: sources[i], nTokens: nTokens[i],
                        meta: meta.mapValues { $0[i] }, answer: answers?[i], confidence: summary))
            }
            if activations {
                for hook in shard.header.hooks { batch.activations[hook] = try shard.rows(hook: hook, examples: range) }
            }
            for position in positions {
                for hook in shard.header.hooks {
                    batch.positions[position, default: [:]][hook] = try shard.rows(
                        hook: hook, examples: range, position: position)
                }
            }
            try writer.append(batch)
        }
    }

    /// `path` relative to `folder` when they share a root (`../x/s0.h5`), else absolute.
    static func relativePath(_ path: String, from folder: URL) -> String {
        let target = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().pathComponents
        let base = folder.standardizedFileURL.resolvingSymlinksInPath().pathComponents
        var common = 0
        while common < min(target.count - 1, base.count) && target[common] == base[common] { common += 1 }
        guard common > 0 else { return target.joined(separator: "/") }
        let parts = Array(repeating: "..", count: base.count - common) + target[common...]
        return parts.joined(separator: "/")
    }
}

extension StoreMerger {
    /// The `merged_from` files of a virtual merge that libhdf5 would not find (it looks relative to the merged
    /// file's folder, then to the working directory); empty for a copy or an ordinary file.
    static func missingShards(of file: H5File, mergedFrom: [String]) throws -> [String] {
        guard !mergedFrom.isEmpty, try file.hasAttribute(ShardAttribute.mergeMode),
            try file.stringAttribute(ShardAttribute.mergeMode) == Mode.virtual.rawValue
        else { return [] }
        let folder = URL(fileURLWithPath: file.path).deletingLastPathComponent()
        return mergedFrom.filter { name in
            let candidates = name.hasPrefix("/") ? [name] : [folder.appendingPathComponent(name).path, name]
            return !candidates.contains { FileManager.default.fileExists(atPath: $0) }
        }
    }
}

extension ActivationReader {
    /// Activation rows on disk for the committed examples (= count except for position `all`).
    func activationRowCount() throws -> Int {
        try tokenRanges(count > 0 ? (count - 1)..<count : nil)?.last?.upperBound ?? count
    }

    /// The compression and chunk rows of the first hook's dataset, so a copy is laid out like its source.
    func storageOptions() throws -> (compression: StoreCompression, chunkRows: Int?) {
        guard let hook = header.hooks.first else { return (.default, nil) }
        let layout = try file.openDataset(StoreSchema.activations(hook)).storageLayout()
        let level = layout.compression.split(separator: "+").compactMap {
            $0.hasPrefix("gzip-") ? Int($0.dropFirst(5)) : nil
        }.first
        return (level.map { .gzip(level: $0, shuffle: true) } ?? .none, layout.chunks?.first)
    }
}
