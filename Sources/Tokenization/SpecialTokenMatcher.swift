// Finds special-token text (`<|im_start|>`) inside input text, leftmost-longest, before pre-tokenization.

/// A set of token texts to recognise whole inside text, and where they occur.
struct SpecialTokenMatcher: Sendable {
    /// A token to recognise: its scalars and id.
    struct Entry: Sendable {
        let scalars: [Unicode.Scalar]
        let id: Int32
    }

    /// Candidates by first scalar, longest first.
    private let byFirstScalar: [Unicode.Scalar: [Entry]]
    /// Bit `v` set when some token starts with ASCII scalar `v`: skips the dictionary for most characters.
    private let asciiFirst: (UInt64, UInt64)
    /// Whether some token starts with a non-ASCII scalar.
    private let anyNonASCIIFirst: Bool

    /// A matcher for `entries` (text, id); empty texts are ignored.
    init(_ entries: [(text: String, id: Int32)]) {
        var map: [Unicode.Scalar: [Entry]] = [:]
        for (text, id) in entries {
            let scalars = Array(text.unicodeScalars)
            guard let first = scalars.first else { continue }
            map[first, default: []].append(Entry(scalars: scalars, id: id))
        }
        for key in map.keys { map[key]!.sort { $0.scalars.count > $1.scalars.count } }
        byFirstScalar = map
        var low: UInt64 = 0, high: UInt64 = 0
        for key in map.keys where key.value < 128 {
            if key.value < 64 { low |= 1 << UInt64(key.value) } else { high |= 1 << UInt64(key.value - 64) }
        }
        asciiFirst = (low, high)
        anyNonASCIIFirst = map.keys.contains { $0.value >= 128 }
    }

    /// Whether a token may start with `s` (no false negatives).
    @inline(__always) private func mayStart(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 64 { return asciiFirst.0 & (1 << UInt64(v)) != 0 }
        if v < 128 { return asciiFirst.1 & (1 << UInt64(v - 64)) != 0 }
        return anyNonASCIIFirst
    }

    var isEmpty: Bool { byFirstScalar.isEmpty }

    /// Matches in `scalars`, left to right, without overlap: `(range, id)`, the longest token at each start.
    func matches(in scalars: [Unicode.Scalar]) -> [(range: Range<Int>, id: Int32)] {
        var found: [(range: Range<Int>, id: Int32)] = []
        var i = 0
        let n = scalars.count
        outer: while i < n {
            if mayStart(scalars[i]), let candidates = byFirstScalar[scalars[i]] {
                for entry in candidates where i + entry.scalars.count <= n {
                    var same = true
                    for k in 1..<entry.scalars.count where scalars[i + k] != entry.scalars[k] {
                        same = false
                        break
                    }
                    if same {
                        found.append((i..<(i + entry.scalars.count), entry.id))
                        i += entry.scalars.count
                        continue outer
                    }
                }
            }
            i += 1
        }
        return found
    }
}
