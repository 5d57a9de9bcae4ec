/// Per-dimension standardisation (x − mean) / scale, as stored in the artifact's `normalization`.
public struct Standardizer: Sendable, Codable, Equatable {
    /// `[dims]`
    public var mean: [Float]
    /// `[dims]`, never zero (constant dimensions get scale 1, like scikit-learn's StandardScaler).
    public var scale: [Float]

    /// Identity normalisation of width `dims`.
    public static func identity(dims: Int) -> Standardizer {
        Standardizer(mean: Array(repeating: 0, count: dims), scale: Array(repeating: 1, count: dims))
    }

    /// Fits mean and population standard deviation on `data` (double accumulation, row order).
    public init(fitting data: ProbeDataset, centerOnly: Bool = false) throws {
        try self.init(fitting: data.rows, centerOnly: centerOnly)
    }

    /// Fits on every row of `rows`, in one pass over its chunks.
    public init(fitting rows: ActivationRows, centerOnly: Bool = false) throws {
        let n = rows.count, d = rows.dims
        var sum = [Double](repeating: 0, count: d), sq = [Double](repeating: 0, count: d)
        try rows.forEachChunk { chunk in
            for i in 0..<chunk.count {
                LinearAlgebra.accumulateWithSquares(chunk.x + i * d, count: d, into: &sum, squares: &sq)
            }
        }
        mean = sum.map { Float($0 / Double(n)) }
        if centerOnly {
            scale = Array(repeating: 1, count: d)
        } else {
            scale = (0..<d).map { j in
                let m = sum[j] / Double(n)
                let v = max(sq[j] / Double(n) - m * m, 0)
                let s = v.squareRoot()
                return s > 1e-12 * max(1, abs(m)) ? Float(s) : 1
            }
        }
    }

    public init(mean: [Float], scale: [Float]) { self.mean = mean; self.scale = scale }

    /// Standardised copy of the features `[n, dims]` (of in-memory data; streamed data is read whole).
    public func transform(_ data: ProbeDataset) -> [Float] {
        var out = data.features
        apply(&out, rows: data.count)
        return out
    }

    /// Standardises `x` `[rows, dims]` in place.
    func apply(_ x: inout [Float], rows: Int) {
        x.withUnsafeMutableBufferPointer { apply($0.baseAddress!, rows: rows, dims: mean.count) }
    }

    /// Standardises `rows` rows at `x` in place: (x − mean) · (1 / scale), as `transform` always has.
    func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, dims d: Int) {
        let inv = scale.map { 1 / $0 }
        for i in 0..<rows {
            let row = x + i * d
            for j in 0..<d { row[j] = (row[j] - mean[j]) * inv[j] }
        }
    }
}
