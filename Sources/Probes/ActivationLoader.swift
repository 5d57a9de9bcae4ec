import Checksum
import Foundation
import Hooks
import ActivationStore

/// Reads labeled activations for one hook from one or several activation files (format_version 1) into a
/// `ProbeDataset`, checking that the files agree on model, width and position. Rows that fit the `budget` are read
/// into memory; larger ones stay in the files and are streamed in row chunks on every pass (`ActivationRows`).
public final class ActivationLoader {
    /// One opened file.
    public struct Source {
        public let path: String
        /// File stem, used as the dataset name.
        public let name: String
        public let reader: ActivationReader
    }

    public let sources: [Source]
    /// Header of the first file (model identity, layers, position).
    public var header: StoreHeader { sources[0].reader.header }
    /// Decides whether a hook's rows are read into memory or streamed, and the chunk size.
    public let budget: MemoryBudget
    /// Hears of every streamed chunk (for a progress line with rate and ETA).
    public var progress: ActivationRows.StreamProgress?

    /// Opens every file; throws if they come from different models, positions or widths. Answers captured at position
    /// answer and at all (with every token's rows) go together: both store the per-answer `/positions`, and a file's
    /// own rows are read only where every file has one row per answer (`stores(position:)`).
    public init(paths: [String], budget: MemoryBudget = .default) throws {
        self.budget = budget
        guard !paths.isEmpty else {
            throw ProbeError.invalidOption(
                name: "acts", value: "(none)", expected: "at least one activation file (.h5)")
        }
        var opened: [Source] = []
        for path in paths {
            let reader: ActivationReader
            do { reader = try ActivationReader(path: path) } catch {
                throw ProbeError.unreadableActivations(path: path, reason: "\(error)")
            }
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            opened.append(Source(path: path, name: name, reader: reader))
        }
        let first = opened[0].reader.header
        for s in opened.dropFirst() {
            let h = s.reader.header
            if h.dModel != first.dModel {
                throw ProbeError.dimensionMismatch(source: s.path, expected: first.dModel, found: h.dModel)
            }
            if h.modelSHA256 != first.modelSHA256 {
                throw ProbeError.incompatibleActivations(
                    field: "model sha256", probe: first.modelSHA256, activations: "\(h.modelSHA256) (\(s.path))")
            }
            if h.position != first.position && !(s.reader.isAnswerCapture && opened[0].reader.isAnswerCapture) {
                throw ProbeError.incompatibleActivations(
                    field: "position", probe: first.position.rawValue, activations: "\(h.position.rawValue) (\(s.path))"
                )
            }
        }
        sources = opened
    }

    /// Whether every file stores the extra answer position `name`, or with nil one row per example of its own.
    public func stores(position: ProbePosition?) -> Bool {
        // The file's own rows: one per example, except at position all (a row per token).
        guard let position else { return sources.allSatisfy { $0.reader.header.position != .all } }
        return sources.allSatisfy { $0.reader.positions.contains(position) }
    }

    /// Layers whose hook for `pattern` is stored in every file, ascending.
    public func layers(of pattern: HookPattern) -> [Int] {
        (0..<header.nLayers).filter { l in
            let hook = pattern.name(layer: l)
            return sources.allSatisfy { $0.reader.header.hooks.contains(hook) }
        }
    }

    /// The layers `selection` names among those whose `pattern` hook every file stores (`sweep --layers`): every
    /// stored layer for `all`; a listed layer the files lack is `ProbeError.missingHook`, one the model lacks
    /// `HookError.layerMissing`.
    public func layers(of pattern: HookPattern, selection: LayerSelection) throws -> [Int] {
        let stored = layers(of: pattern)
        for l in try selection.resolve(nLayers: header.nLayers) where !stored.contains(l) && selection != .all {
            throw ProbeError.missingHook(hook: pattern.name(layer: l), path: sources[0].path, available: header.hooks)
        }
        let chosen = try selection.resolve(available: stored)
        guard !chosen.isEmpty else {
            throw ProbeError.missingHook(hook: pattern.name(layer: 0), path: sources[0].path, available: header.hooks)
        }
        return chosen
    }

    /// Labeled rows of `hook` from every file (or only `only`), concatenated; rows labeled -1 are skipped and
    /// counted. `groupBy` names an `/examples/meta` column to use as groups; a `polarity` column is read when present.
    /// `position` reads an extra answer position (`StoreSchema.answerPositions`) instead of `/activations`.
    public func dataset(
        hook: HookName, groupBy: String? = nil, only: [Int]? = nil, position: ProbePosition? = nil
    ) throws
        -> ProbeDataset
    {
        let chosen = only.map { $0.map { sources[$0] } } ?? sources
        let anyPolarity = try chosen.contains { try $0.reader.meta("polarity", 0..<0) != nil }
        var parts: [ProbeDataset] = []
        let totalRows = chosen.reduce(0) { $0 + $1.reader.count }
        for s in chosen {
            let r = s.reader
            guard r.header.hooks.contains(hook) else {
                throw ProbeError.missingHook(hook: hook, path: s.path, available: r.header.hooks)
            }
            do {
                let width = try r.width(of: hook)
                if let first = parts.first, first.dims != width {
                    throw ProbeError.dimensionMismatch(source: s.path, expected: first.dims, found: width)
                }
                let labels = try r.labels().map(Int.init)
                let stream = !budget.fitsInMemory(rows: totalRows, dims: width)
                let x = try r.rows(hook: hook, examples: stream ? 0..<min(1, r.count) : nil, position: position)
                guard stream ? (position != nil || r.header.position != .all) : x.count == labels.count * width else {
                    throw ProbeError.unreadableActivations(
                        path: s.path,
                        reason: "hook \(hook) has \(x.count / max(width, 1)) rows for \(labels.count) examples: a "
                            + "position 'all' file has a row per token, which probes do not read (capture statements "
                            + "with --position last; for answers captured at all, pass --answer-position answer_mean, "
                            + "answer_max, answer_exact or question)")
                }
                var groups: [String]?
                if let groupBy {
                    guard let g = try r.meta(groupBy) else {
                        throw ProbeError.missingColumn(name: groupBy, available: r.metaColumns)
                    }
                    groups = g
                }
                var polarity: [Int]?
                if anyPolarity {
                    if let p = try r.meta("polarity") {
                        polarity = try p.enumerated().map {
                            try ActivationLoader.parsePolarity($0.element, row: $0.offset)
                        }
                    } else {
                        polarity = Array(repeating: 1, count: labels.count)  // a file without the column is affirmative
                    }
                }
                let confidence = try r.confidence()
                if stream {
                    let keep = try ProbeDataset.labeledRows(labels)
                    let all = ActivationRows(
                        reader: r, hook: hook, position: position, dims: width,
                        chunkRows: budget.chunkRows(dims: width), progress: progress)
                    parts.append(
                        try ProbeDataset(
                            rows: keep.count == labels.count ? all : all.subset(keep), keeping: keep,
                            labels: labels, groups: groups, polarity: polarity,
                            sources: Array(repeating: s.name, count: labels.count), confidence: confidence,
                            sourceName: s.path))
                } else {
                    parts.append(
                        try ProbeDataset(
                            features: x, dims: width, labels: labels, groups: groups, polarity: polarity,
                            sources: Array(repeating: s.name, count: labels.count),
                            confidence: confidence, sourceName: s.path))
                }
            } catch let error as ProbeError {
                if case .noLabeledRows = error, chosen.count > 1 { continue }  // another file may have labels
                throw error
            } catch {
                throw ProbeError.unreadableActivations(path: s.path, reason: "\(error)")
            }
        }
        guard !parts.isEmpty else { throw ProbeError.noLabeledRows(skipped: chosen.reduce(0) { $0 + $1.reader.count }) }
        return try ProbeDataset.concatenate(parts)
    }

    /// sha256 of each file and its labeled-row count in `data`, for the artifact's training record.
    public func datasetRecords(for data: ProbeDataset) throws -> [ProbeArtifact.DatasetRecord] {
        try sources.map { s in
            ProbeArtifact.DatasetRecord(
                name: s.name, sha256: try hashes.digest(of: s.path),
                n: data.sources.filter { $0 == s.name }.count)
        }
    }

    /// Starts hashing every file on a background thread, for `datasetRecords`. On a store of many GB hashing takes
    /// about as long as a pass over it, so `train` starts it first and the hash overlaps the training passes.
    public func startHashing() {
        for s in sources { hashes.start(s.path) }
    }

    private let hashes = FileHashes()

    /// Reads a polarity cell: 1/affirmative → +1, -1/0/negated → -1.
    static func parsePolarity(_ text: String, row: Int) throws -> Int {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "1", "+1", "affirmative", "aff", "positive", "pos": return 1
        case "-1", "0", "negated", "neg", "negative": return -1
        default: throw ProbeError.invalidPolarity(row: row, value: text)
        }
    }
}

/// sha256 of files, computed once each, in the background when started early.
private final class FileHashes: @unchecked Sendable {  // every field behind `lock`
    private let lock = NSLock()
    private var running: [String: DispatchGroup] = [:]
    private var done: [String: Result<String, Error>] = [:]

    func start(_ path: String) {
        let group = DispatchGroup()
        guard
            lock.withLock({ () -> Bool in
                guard running[path] == nil, done[path] == nil else { return false }
                running[path] = group
                return true
            })
        else { return }
        DispatchQueue.global(qos: .utility).async(group: group) { [self] in
            let result = Result { try SHA256Hasher.hexDigest(ofFile: path, cache: .standard) }
            lock.withLock {
                done[path] = result; running[path] = nil
            }
        }
    }

    func digest(of path: String) throws -> String {
        if let group = lock.withLock({ running[path] }) { group.wait() }
        if let result = lock.withLock({ done[path] }) { return try result.get() }
        let digest = try SHA256Hasher.hexDigest(ofFile: path, cache: .standard)
        lock.withLock { done[path] = .success(digest) }
        return digest
    }
}
