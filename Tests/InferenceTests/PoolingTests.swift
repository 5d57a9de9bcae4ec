import Testing
@testable import Inference

/// The one mean (and max) over token positions that capture, the engine's results and the gate share.
@Suite("Pooling over positions") struct PoolingTests {
    let values: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]  // [4, 2]

    @Test("mean and max over a range of rows of a row-major buffer (arrays and slices)")
    func rowRange() {
        #expect(Pooling.mean(values, width: 2, rows: 1..<3) == [4, 5])
        #expect(Pooling.max(values, width: 2, rows: 0..<4) == [7, 8])
        #expect(Pooling.mean(values[2...], width: 2, rows: 0..<1) == [3, 4])  // a slice's rows count from its start
        #expect(Pooling.mean(values, width: 2, rows: 0..<0) == [0, 0])
    }

    @Test("mean and max of row arrays: the sum divided by the count; empty for no rows")
    func rowArrays() {
        #expect(Pooling.mean([[1, 2], [3, 6]]) == [2, 4])
        #expect(Pooling.max([[1, 7], [3, 6]]) == [3, 7])
        #expect(Pooling.mean([]) == [])
        #expect(Pooling.max([]) == [])
    }
}
