// OpenAI-style `stop` sequences over streamed tokens: generation ends where one first appears, the answer is cut
// just before it, and tokens that might be the start of one are held back until they cannot be.

/// Watches the answer's bytes for the stop sequences and decides which scored tokens may be released.
/// Matching is on UTF-8 bytes, so a stop sequence may span several tokens or start inside one.
struct StopSequenceFilter {
    private let stops: [[UInt8]]
    private let longest: Int
    /// The whole answer so far.
    private var bytes: [UInt8] = []
    /// Tokens not released yet, with their byte ranges in `bytes`.
    private var pending: [(token: ScoredToken, start: Int, end: Int)] = []
    /// Tokens released so far (the last may be cut short where a stop sequence begins).
    private(set) var released: [ScoredToken] = []
    /// Byte offset where a stop sequence begins, once one was found.
    private(set) var stopOffset: Int?

    init(stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }.map { Array($0.utf8) }
        longest = self.stops.map(\.count).max() ?? 0
    }

    /// False when there is nothing to watch for (every token is released at once).
    var isActive: Bool { !stops.isEmpty }

    /// The answer up to the stop sequence (or all of it).
    var text: String { String(decoding: bytes[0..<(stopOffset ?? bytes.count)], as: UTF8.self) }

    /// Adds the next token. Returns the tokens that can go out now, and whether a stop sequence was completed
    /// (then generation should end; nothing more is held back).
    mutating func push(_ token: ScoredToken) -> (release: [ScoredToken], stopped: Bool) {
        let start = bytes.count
        bytes.append(contentsOf: token.text.utf8)
        pending.append((token, start, bytes.count))
        if let offset = firstMatch(searchingFrom: max(0, start - longest + 1)) {
            stopOffset = offset
            var out: [ScoredToken] = []
            for p in pending where p.start < offset {
                var kept = p.token
                if p.end > offset { kept.text = String(decoding: bytes[p.start..<offset], as: UTF8.self) }
                out.append(kept)
            }
            pending.removeAll()
            released += out
            return (out, true)
        }
        let safeEnd = bytes.count - heldSuffixLength()
        let ready = pending.prefix { $0.end <= safeEnd }.map(\.token)
        pending.removeFirst(ready.count)
        released += ready
        return (ready, false)
    }

    /// At the end of generation without a stop sequence: everything still held.
    mutating func flush() -> [ScoredToken] {
        let rest = pending.map(\.token)
        pending.removeAll()
        released += rest
        return rest
    }

    /// Earliest offset ≥ `from` where a stop sequence starts and is complete.
    private func firstMatch(searchingFrom from: Int) -> Int? {
        var best: Int?
        for stop in stops where bytes.count >= stop.count {
            var i = from
            while i + stop.count <= bytes.count {
                if bytes[i] == stop[0] && bytes[i..<(i + stop.count)].elementsEqual(stop) {
                    if best.map({ i < $0 }) ?? true { best = i }
                    break
                }
                i += 1
            }
        }
        return best
    }

    /// Length of the longest suffix of the answer that is a proper prefix of a stop sequence.
    private func heldSuffixLength() -> Int {
        var held = 0
        for stop in stops {
            var k = min(stop.count - 1, bytes.count)
            while k > held {
                if bytes[(bytes.count - k)...].elementsEqual(stop[0..<k]) { held = k; break }
                k -= 1
            }
        }
        return held
    }
}
