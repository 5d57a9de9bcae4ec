import Testing
@testable import ActivationStore

@Suite("Shard assignment") struct ShardAssignmentTests {
    @Test("shards K = 0..N-1 cover rows 0..<B once, in order, sizes within one row, for any B and N")
    func coverage() throws {
        for total in [0, 1, 2, 3, 7, 10, 99, 1000, 1001] {
            for count in [1, 2, 3, 4, 7, 16] {
                let shards = try (0..<count).map { try StoreShard(index: $0, count: count, totalRows: total) }
                #expect(shards.first?.firstRow == 0)
                for (a, b) in zip(shards, shards.dropFirst()) { #expect(a.firstRow + a.rows == b.firstRow) }
                #expect(shards.reduce(0) { $0 + $1.rows } == total)
                let sizes = shards.map(\.rows)
                #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
            }
        }
        #expect(StoreShard.rowRange(index: 1, count: 4, totalRows: 10) == 2..<5)  // ⌊1·10/4⌋ ..< ⌊2·10/4⌋
        #expect(StoreShard.rowRange(index: 3, count: 4, totalRows: 10) == 7..<10)
    }

    @Test("bad shard numbers are refused with the valid range")
    func refused() {
        #expect(throws: StoreError.self) { try StoreShard(index: 4, count: 4, totalRows: 10) }
        #expect(throws: StoreError.self) { try StoreShard(index: 0, count: 0, totalRows: 10) }
        #expect(throws: StoreError.self) { try StoreShard(index: -1, count: 2, totalRows: 10) }
    }
}
