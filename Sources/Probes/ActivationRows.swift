import Foundation
import Hooks
import ActivationStore

/// The activation rows `[count, dims]` of a `ProbeDataset`, handed to trainers and scorers chunk by chunk.
///
/// The rows either sit in memory (one array) or stay in activation files and are streamed: every pass reads them
/// with row-range (hyperslab) reads, `chunkRows` rows at a time, so a store larger than memory trains in bounded
/// memory (`MemoryBudget`). Trainers see only `forEachChunk`, so in-memory and streamed training share one code
/// path. A streamed subset keeps row indices, not rows; each chunk is read in file order and says which logical
/// rows it holds. In memory, chunks are consecutive logical rows (one chunk by default), so results there are the
/// same as a plain loop over the array.
public final class ActivationRows: @unchecked Sendable {  // immutable; file reads go through the HDF5 lock
    /// Number of rows.
    public let count: Int
    /// Floats per row.
    public let dims: Int
    /// Most rows one chunk holds.
    public let chunkRows: Int
    private let storage: Storage

    /// Called after each streamed chunk with (rows in it, rows of this pass done, rows of the pass, floats per row).
    public typealias StreamProgress = @Sendable (_ rows: Int, _ done: Int, _ total: Int, _ dims: Int) -> Void

    /// One file's rows of one hook.
    struct Part {
        let reader: ActivationReader
        let hook: HookName
        /// Extra answer position (`/positions/<position>/<hook>`), nil for `/activations`.
        let position: ProbePosition?
        let rows: Int
    }

    /// Streamed rows: logical row i is root row `index?[i] ?? i` of the parts' rows laid end to end, standardised
    /// by `norm` when set.
    struct Stored {
        var parts: [Part]
        var index: [Int]?
        /// Logical rows in root-row order (file order), nil when `index` is nil or already ascending.
        var fileOrder: [Int]?
        var norm: Standardizer?
        var progress: StreamProgress?
    }

    enum Storage {
        case memory([Float])
        case stored(Stored)
    }

    /// In-memory rows `[count, dims]` (row-major); `chunkRows` nil hands them over as one chunk.
    public init(memory features: [Float], dims: Int, chunkRows: Int? = nil) {
        self.dims = dims
        count = dims > 0 ? features.count / dims : 0
        self.chunkRows = max(1, chunkRows ?? count)
        storage = .memory(features)
    }

    /// Every committed row of `hook` in `reader`'s file (one row per example), streamed `chunkRows` at a time.
    public init(
        reader: ActivationReader, hook: HookName, position: ProbePosition? = nil, dims: Int, chunkRows: Int,
        progress: StreamProgress? = nil
    ) {
        self.dims = dims
        count = reader.count
        self.chunkRows = max(1, chunkRows)
        storage = .stored(
            Stored(
                parts: [Part(reader: reader, hook: hook, position: position, rows: reader.count)],
                index: nil, fileOrder: nil, norm: nil, progress: progress))
    }

    private init(count: Int, dims: Int, chunkRows: Int, storage: Storage) {
        self.count = count; self.dims = dims; self.chunkRows = max(1, chunkRows); self.storage = storage
    }

    /// Whether the rows are read from files on every pass.
    public var isStreamed: Bool { if case .stored = storage { return true } else { return false } }

    /// Bytes of activations one pass reads (`count × dims × 4`).
    public var bytes: Int { count * dims * MemoryLayout<Float>.size }

    /// The rows at `indices`, in that order: copied in memory, an index view when streamed.
    public func subset(_ indices: [Int]) -> ActivationRows {
        switch storage {
        case .memory(let x):
            let out = LinearAlgebra.gatherRows(x, indices, dims: dims)
            return ActivationRows(memory: out, dims: dims, chunkRows: chunkRows == count ? nil : chunkRows)
        case .stored(var s):
            let root = s.index.map { old in indices.map { old[$0] } } ?? indices
            s.index = root
            s.fileOrder =
                zip(root, root.dropFirst()).allSatisfy { $0 <= $1 }
                ? nil
                : Array(0..<root.count).sorted { root[$0] < root[$1] }
            return ActivationRows(count: indices.count, dims: dims, chunkRows: chunkRows, storage: .stored(s))
        }
    }

    /// The rows standardised by `norm`: computed now in memory, on every read when streamed.
    public func standardized(_ norm: Standardizer) -> ActivationRows {
        switch storage {
        case .memory(var x):
            norm.apply(&x, rows: count)
            return ActivationRows(memory: x, dims: dims, chunkRows: chunkRows == count ? nil : chunkRows)
        case .stored(var s):
            precondition(s.norm == nil, "streamed rows are standardised once")
            s.norm = norm
            return ActivationRows(count: count, dims: dims, chunkRows: chunkRows, storage: .stored(s))
        }
    }

    /// Every row in one array `[count, dims]` (reads a streamed store whole: for small data only).
    public func materialize() throws -> [Float] {
        if case .memory(let x) = storage { return x }
        var out = [Float](repeating: 0, count: count * dims)
        try forEachChunk { chunk in
            LinearAlgebra.placeRows(chunk.count, width: dims, into: &out, stride: dims, at: chunk.row) {
                chunk.x + $0 * dims
            }
        }
        return out
    }

    /// Rows laid end to end: memory rows concatenated, streamed rows joined as one view (unstandardised ones).
    static func concatenate(_ parts: [ActivationRows]) throws -> ActivationRows {
        let dims = parts.first?.dims ?? 0
        var stored: [Stored] = []
        for p in parts { if case .stored(let s) = p.storage, s.norm == nil { stored.append(s) } }
        guard stored.count == parts.count, let first = stored.first else {
            var x: [Float] = []
            for p in parts { x += try p.materialize() }
            return ActivationRows(memory: x, dims: dims)
        }
        var joined = Stored(parts: [], index: nil, fileOrder: nil, norm: nil, progress: first.progress)
        var index: [Int] = [], offset = 0
        for (view, rows) in zip(stored, parts) {
            index += view.index.map { $0.map { $0 + offset } } ?? Array(offset..<(offset + rows.count))
            joined.parts += view.parts
            offset += view.parts.reduce(0) { $0 + $1.rows }
        }
        let all = ActivationRows(
            count: offset, dims: dims, chunkRows: parts.map(\.chunkRows).min() ?? 1, storage: .stored(joined))
        return index.elementsEqual(0..<offset) ? all : all.subset(index)
    }

    /// Number of chunks a pass hands over.
    public var chunkCount: Int { count == 0 ? 0 : (count + chunkRows - 1) / chunkRows }

    /// One pass over every row, chunk after chunk (`order` gives the chunk order; default ascending).
    public func forEachChunk(order: [Int]? = nil, _ body: (RowChunk) throws -> Void) throws {
        switch storage {
        case .memory(let x):
            try x.withUnsafeBufferPointer { p in
                for k in order ?? Array(0..<chunkCount) {
                    let start = k * chunkRows, n = min(chunkRows, count - start)
                    try body(RowChunk(x: p.baseAddress! + start * dims, count: n, start: start, indices: nil))
                }
            }
        case .stored(let s):
            var out = [Float](repeating: 0, count: min(chunkRows, count) * dims)
            // A window of at most chunkRows file rows, for views that skip rows.
            var scratch = [Float](
                repeating: 0, count: s.index == nil ? 0 : min(chunkRows, s.parts.map(\.rows).max() ?? 0) * dims)
            var done = 0
            for k in order ?? Array(0..<chunkCount) {
                let logical = try read(s, chunk: k, into: &out, scratch: &scratch)
                done += logical.count
                s.progress?(logical.count, done, count, dims)
                try out.withUnsafeBufferPointer { p in
                    try body(RowChunk(x: p.baseAddress!, count: logical.count, start: 0, indices: logical))
                }
            }
        }
    }

    /// Reads chunk `k` of a streamed view into `out` in file order; returns its logical rows.
    private func read(_ s: Stored, chunk k: Int, into out: inout [Float], scratch: inout [Float]) throws -> [Int] {
        let lo = k * chunkRows, hi = min(lo + chunkRows, count)
        let logical: [Int] = s.fileOrder.map { Array($0[lo..<hi]) } ?? Array(lo..<hi)
        let roots = logical.map { s.index?[$0] ?? $0 }
        var starts: [Int] = [0]  // root row where each part begins
        for p in s.parts { starts.append(starts.last! + p.rows) }
        var next = 0  // next row of the chunk to fill
        try out.withUnsafeMutableBufferPointer { o in
            try scratch.withUnsafeMutableBufferPointer { t in
                while next < roots.count {
                    var part = 0
                    while roots[next] >= starts[part + 1] { part += 1 }
                    let first = roots[next] - starts[part]
                    let window = first..<min(first + chunkRows, s.parts[part].rows)
                    var last = next  // rows next ... last-1 of the chunk fall in this window
                    while last < roots.count, roots[last] - starts[part] < window.upperBound,
                        roots[last] >= starts[part]
                    { last += 1 }
                    let span = roots[last - 1] - starts[part] - first + 1
                    let p = s.parts[part]
                    if span == last - next {  // consecutive rows: read straight into place
                        try p.reader.readRows(
                            hook: p.hook, position: p.position, examples: first..<(first + span),
                            into: o.baseAddress! + next * dims)
                    } else {
                        try p.reader.readRows(
                            hook: p.hook, position: p.position, examples: first..<(first + span), into: t.baseAddress!)
                        for r in next..<last {
                            (o.baseAddress! + r * dims).update(
                                from: t.baseAddress! + (roots[r] - starts[part] - first) * dims, count: dims)
                        }
                    }
                    for r in next..<last {
                        let row = o.baseAddress! + r * dims
                        // Non-finite floats have every exponent bit set: an integer OR-reduction the compiler vectorises.
                        let bits = UnsafeRawPointer(row).assumingMemoryBound(to: UInt32.self)
                        var nonFinite: UInt32 = 0
                        for j in 0..<dims { nonFinite |= (~bits[j] & 0x7f80_0000) == 0 ? 1 : 0 }
                        if nonFinite != 0, let j = (0..<dims).first(where: { !row[$0].isFinite }) {
                            throw ProbeError.nonFiniteValues(
                                source: p.reader.path, row: roots[r] - starts[part], column: j)
                        }
                    }
                    next = last
                }
                s.norm?.apply(o.baseAddress!, rows: roots.count, dims: dims)
            }
        }
        return logical
    }
}

/// Consecutive rows of one pass: `x` `[count, dims]`, row k being logical row `row(k)` of the `ActivationRows`.
public struct RowChunk {
    public let x: UnsafePointer<Float>
    public let count: Int
    let start: Int
    let indices: [Int]?

    /// The logical row (index into labels, scores) of the chunk's row `k`.
    @inline(__always) public func row(_ k: Int) -> Int { indices?[k] ?? start + k }
}
