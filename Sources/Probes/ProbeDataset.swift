import Foundation

/// Labeled activations for one hook: what every trainer and metric works on. Labels and metadata are in memory;
/// the rows are an `ActivationRows` (in memory, or streamed from the files when they exceed the `MemoryBudget`).
/// Independent of HDF5 so tests can build one from arrays; `ActivationLoader` fills it from files.
public struct ProbeDataset: Sendable {
    /// The activation rows `[count, dims]`, read chunk by chunk.
    public let rows: ActivationRows
    /// Row-major features `[count, dims]` in one array (a streamed dataset is read whole: small data and tests only).
    public var features: [Float] {
        do { return try rows.materialize() } catch { preconditionFailure("reading activation rows failed: \(error)") }
    }
    /// Number of rows.
    public let count: Int
    /// Width of a row (d_model).
    public let dims: Int
    /// 1 = true, 0 = false, per row `[count]`.
    public var labels: [UInt8]
    /// Optional group key per row (e.g. the city a statement is about), used to keep groups on one side of a split.
    public var groups: [String]?
    /// Optional polarity per row: +1 affirmative, -1 negated (TTPD).
    public var polarity: [Int8]?
    /// Dataset name per row (file stem).
    public var sources: [String]
    /// Rows dropped on construction because their label was -1.
    public let skippedUnlabeled: Int
    /// The model's own confidence per row (`/confidence` column → `[count]`, NaN where unknown), for the baselines.
    public var confidence: [String: [Float]]?

    /// Builds a dataset, dropping rows labeled -1 and rejecting non-finite values.
    /// - Parameters:
    ///   - features: row-major `[rows, dims]`.
    ///   - labels: `[rows]`, each 1, 0 or -1 (unknown; skipped and counted).
    ///   - groups, polarity, sources: optional per-row metadata `[rows]`.
    ///   - sourceName: names the input in error messages.
    public init(
        features: [Float], dims: Int, labels: [Int], groups: [String]? = nil, polarity: [Int]? = nil,
        sources: [String]? = nil, confidence: [String: [Float]]? = nil, sourceName: String = "dataset"
    ) throws {
        guard dims > 0 else { throw ProbeError.invalidOption(name: "dims", value: "\(dims)", expected: "> 0") }
        let rows = labels.count
        guard features.count == rows * dims else {
            throw ProbeError.shapeMismatch(
                what: "\(sourceName) features [\(rows), \(dims)]",
                expected: rows * dims, found: features.count)
        }
        let keep = try Self.labeledRows(labels)
        var x = [Float](repeating: 0, count: keep.count * dims)
        try features.withUnsafeBufferPointer { src in
            try x.withUnsafeMutableBufferPointer { dst in
                for (k, i) in keep.enumerated() {
                    let base = i * dims
                    for j in 0..<dims {
                        let v = src[base + j]
                        guard v.isFinite else {
                            let name = sources?[i] ?? sourceName
                            throw ProbeError.nonFiniteValues(source: name, row: i, column: j)
                        }
                        dst[k * dims + j] = v
                    }
                }
            }
        }
        try self.init(
            rows: ActivationRows(memory: x, dims: dims), keeping: keep, labels: labels, groups: groups,
            polarity: polarity, sources: sources, confidence: confidence, sourceName: sourceName)
    }

    /// Indices of the rows labeled 0 or 1; throws on another label, or when no row is labeled.
    static func labeledRows(_ labels: [Int]) throws -> [Int] {
        var keep: [Int] = []
        keep.reserveCapacity(labels.count)
        for (i, y) in labels.enumerated() {
            switch y {
            case 0, 1: keep.append(i)
            case -1: continue
            default: throw ProbeError.invalidLabel(row: i, value: y)
            }
        }
        guard !keep.isEmpty else { throw ProbeError.noLabeledRows(skipped: labels.count) }
        return keep
    }

    /// A dataset over `rows` already cut to the `keep` rows of `labels` and the other per-row columns
    /// (as `init(features:…)` and `ActivationLoader` cut them).
    init(
        rows: ActivationRows, keeping keep: [Int], labels: [Int], groups: [String]?, polarity: [Int]?,
        sources: [String]?,
        confidence: [String: [Float]]?, sourceName: String
    ) throws {
        let dims = rows.dims, n = labels.count
        for (name, column) in confidence ?? [:] where column.count != n {
            throw ProbeError.shapeMismatch(what: "\(sourceName) confidence \(name)", expected: n, found: column.count)
        }
        for (name, m) in [("groups", groups?.count), ("polarity", polarity?.count), ("sources", sources?.count)] {
            if let m, m != n { throw ProbeError.shapeMismatch(what: "\(sourceName) \(name)", expected: n, found: m) }
        }
        guard rows.count == keep.count else {
            throw ProbeError.shapeMismatch(what: "\(sourceName) rows", expected: keep.count, found: rows.count)
        }
        self.rows = rows
        self.count = keep.count
        self.dims = dims
        self.labels = keep.map { UInt8(labels[$0]) }
        let skipped = labels.count - keep.count
        self.groups = groups.map { g in keep.map { g[$0] } }
        if let polarity {
            var p: [Int8] = []
            p.reserveCapacity(keep.count)
            for i in keep {
                switch polarity[i] {
                case 1: p.append(1)
                case 0, -1: p.append(-1)
                default: throw ProbeError.invalidPolarity(row: i, value: "\(polarity[i])")
                }
            }
            self.polarity = p
        } else {
            self.polarity = nil
        }
        self.sources = sources.map { s in keep.map { s[$0] } } ?? Array(repeating: sourceName, count: keep.count)
        self.skippedUnlabeled = skipped
        self.confidence = confidence.map { $0.mapValues { c in keep.map { c[$0] } } }
    }

    init(
        rows: ActivationRows, count: Int, dims: Int, labels: [UInt8], groups: [String]?,
        polarity: [Int8]?, sources: [String], skipped: Int, confidence: [String: [Float]]?
    ) {
        self.rows = rows; self.count = count; self.dims = dims; self.labels = labels
        self.groups = groups; self.polarity = polarity; self.sources = sources; self.skippedUnlabeled = skipped
        self.confidence = confidence
    }

    /// Number of rows labeled true.
    public var positives: Int { labels.reduce(0) { $0 + Int($1) } }
    /// Number of rows labeled false.
    public var negatives: Int { count - positives }

    /// Throws unless both classes are present (with `context` naming what needs them).
    public func requireBothClasses(_ context: String) throws {
        if positives == 0 { throw ProbeError.singleClass(label: 0, count: count, context: context) }
        if negatives == 0 { throw ProbeError.singleClass(label: 1, count: count, context: context) }
    }

    /// The rows at `indices`, in that order.
    public func subset(_ indices: [Int]) -> ProbeDataset {
        ProbeDataset(
            rows: rows.subset(indices), count: indices.count, dims: dims, labels: indices.map { labels[$0] },
            groups: groups.map { g in indices.map { g[$0] } },
            polarity: polarity.map { p in indices.map { p[$0] } },
            sources: indices.map { sources[$0] }, skipped: 0,
            confidence: confidence.map { $0.mapValues { c in indices.map { c[$0] } } })
    }

    /// Concatenates datasets of the same width (e.g. one per activation file).
    public static func concatenate(_ parts: [ProbeDataset]) throws -> ProbeDataset {
        guard let first = parts.first else { throw ProbeError.tooFewRows(needed: 1, found: 0, context: "concatenate") }
        var y: [UInt8] = [], s: [String] = []
        let hasGroups = parts.allSatisfy { $0.groups != nil }
        let hasPolarity = parts.allSatisfy { $0.polarity != nil }
        var g: [String] = [], p: [Int8] = []
        // Confidence columns every part has (a file without them drops the baselines rather than faking them).
        var columns = Set(first.confidence.map { Array($0.keys) } ?? [])
        for part in parts { columns.formIntersection(part.confidence.map { Array($0.keys) } ?? []) }
        var c: [String: [Float]] = [:]
        for part in parts {
            guard part.dims == first.dims else {
                throw ProbeError.dimensionMismatch(
                    source: part.sources.first ?? "input", expected: first.dims, found: part.dims)
            }
            y += part.labels; s += part.sources
            if hasGroups, let pg = part.groups { g += pg }
            if hasPolarity, let pp = part.polarity { p += pp }
            for column in columns { c[column, default: []] += part.confidence?[column] ?? [] }
        }
        return ProbeDataset(
            rows: try ActivationRows.concatenate(parts.map(\.rows)), count: y.count, dims: first.dims, labels: y,
            groups: hasGroups ? g : nil, polarity: hasPolarity ? p : nil, sources: s,
            skipped: parts.reduce(0) { $0 + $1.skippedUnlabeled }, confidence: columns.isEmpty ? nil : c)
    }
}
