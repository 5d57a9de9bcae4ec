// Vocabulary lookup by a byte range of the input without allocating: a 64-bit FNV-1a hash (Fowler, Noll, Vo)
// of the range finds a candidate id, and a byte comparison confirms it.

/// Maps the UTF-8 bytes of vocabulary pieces to ids; looks up sub-ranges of a buffer in place.
struct PieceTable: Sendable {
    /// Hash of a piece's bytes → the first id with those bytes.
    private var byHash: [UInt64: Int32] = [:]
    /// `[vocab]`: the bytes of each id that is in the table (empty for the others).
    private var bytesOfID: [[UInt8]]
    /// Pieces whose hash collides with an earlier, different piece (expected to stay empty).
    private var collided: [[UInt8]: Int32] = [:]

    /// A table of `pieces` (bytes, id) for a vocabulary of `count` ids; the first id wins for equal bytes.
    init(count: Int, pieces: [(bytes: [UInt8], id: Int32)]) {
        bytesOfID = Array(repeating: [], count: count)
        byHash.reserveCapacity(pieces.count)
        for (bytes, id) in pieces {
            let h = bytes.withUnsafeBufferPointer { Self.hash($0, 0..<$0.count) }
            if let existing = byHash[h] {
                if bytesOfID[Int(existing)] != bytes && collided[bytes] == nil {
                    collided[bytes] = id; bytesOfID[Int(id)] = bytes
                }
            } else {
                byHash[h] = id
                bytesOfID[Int(id)] = bytes
            }
        }
    }

    @inline(__always)
    private static func hash(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in range { h = (h ^ UInt64(buffer[i])) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// The id of the piece equal to `buffer[range]`, if any.
    func id(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int32? {
        if let id = byHash[Self.hash(buffer, range)] {
            let stored = bytesOfID[Int(id)]
            if stored.count == range.count
                && stored.withUnsafeBufferPointer({ s in
                    range.indices.allSatisfy { s[$0 - range.lowerBound] == buffer[$0] }
                })
            {
                return id
            }
        }
        return collided.isEmpty ? nil : collided[Array(buffer[range])]
    }
}
