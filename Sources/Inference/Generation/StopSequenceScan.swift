/// Finds where the first of some stop sequences appears in a stream of token texts. Matching is on UTF-8 bytes, so a
/// stop sequence may span several tokens or start inside one. The gate's OpenAI `stop` and capture's end of a plain
/// prompt's own turn (`PlainPrompt.nextTurn`) both use it, so an answer ends at the same token in either.
public struct StopSequenceScan: Sendable {
    private let stops: [[UInt8]]
    private let longest: Int
    /// The whole text so far.
    public private(set) var bytes: [UInt8] = []
    /// Each token's first byte in `bytes`.
    public private(set) var tokenStarts: [Int] = []
    /// Byte offset where the first stop sequence begins, once one was found.
    public private(set) var stopOffset: Int?

    public init(stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }.map { Array($0.utf8) }
        longest = self.stops.map(\.count).max() ?? 0
    }

    /// False when there is nothing to watch for.
    public var isActive: Bool { !stops.isEmpty }

    /// Adds the next token's text; returns the stop sequence's offset once the text holds one (then it stays found).
    @discardableResult
    public mutating func push(_ text: String) -> Int? {
        if let stopOffset { return stopOffset }
        let start = bytes.count
        tokenStarts.append(start)
        bytes.append(contentsOf: text.utf8)
        stopOffset = firstMatch(searchingFrom: max(0, start - longest + 1))
        return stopOffset
    }

    /// The text before the stop sequence (all of it when none was found).
    public var text: String { String(decoding: bytes[0..<(stopOffset ?? bytes.count)], as: UTF8.self) }

    /// Tokens that begin before the stop sequence: the answer's tokens (the last may run into it).
    public var keptTokenCount: Int {
        guard let stopOffset else { return tokenStarts.count }
        return tokenStarts.prefix { $0 < stopOffset }.count
    }

    /// Length of the longest suffix of the text that is a proper prefix of a stop sequence (what a stream must hold
    /// back until it is known not to start one).
    public func heldSuffixLength() -> Int {
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
}
