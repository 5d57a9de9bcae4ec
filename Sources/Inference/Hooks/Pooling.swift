/// Pooling of activation rows over token positions: the one mean (and max) that capture, the engine's results and
/// the gate use, so that a probe trained on pooled rows reads the same numbers when it scores.
public enum Pooling {
    /// Mean of rows `rows` of the row-major `[n, width]` `values`, `[width]`: each column's sum over the rows in order,
    /// divided by their count (zeros when `rows` is empty).
    @inlinable
    public static func mean<C: RandomAccessCollection<Float>>(_ values: C, width: Int, rows: Range<Int>) -> [Float]
    where C.Index == Int {
        var sum = [Float](repeating: 0, count: width)
        let base = values.startIndex
        for row in rows {
            let start = base + row * width
            for i in 0..<width { sum[i] += values[start + i] }
        }
        guard !rows.isEmpty else { return sum }
        let n = Float(rows.count)
        return sum.map { $0 / n }
    }

    /// Element-wise maximum of rows `rows` of the row-major `[n, width]` `values`, `[width]` (-∞ when `rows` is empty).
    @inlinable
    public static func max<C: RandomAccessCollection<Float>>(_ values: C, width: Int, rows: Range<Int>) -> [Float]
    where C.Index == Int {
        var out = [Float](repeating: -.infinity, count: width)
        let base = values.startIndex
        for row in rows {
            let start = base + row * width
            for i in 0..<width { out[i] = Swift.max(out[i], values[start + i]) }
        }
        return out
    }

    /// Mean of rows `[n, d]` → `[d]` (the rows' common width; empty for no rows).
    public static func mean(_ rows: [[Float]]) -> [Float] {
        mean(rows.flatMap { $0.prefix(width(rows)) }, width: width(rows), rows: 0..<rows.count)
    }

    /// Element-wise maximum of rows `[n, d]` → `[d]` (empty for no rows).
    public static func max(_ rows: [[Float]]) -> [Float] {
        max(rows.flatMap { $0.prefix(width(rows)) }, width: width(rows), rows: 0..<rows.count)
    }

    private static func width(_ rows: [[Float]]) -> Int { rows.map(\.count).min() ?? 0 }
}
