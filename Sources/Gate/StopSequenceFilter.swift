// OpenAI-style `stop` sequences over streamed tokens: generation ends where one first appears, the answer is cut
// just before it, and tokens that might be the start of one are held back until they cannot be.
import Inference

/// Watches the answer's bytes for the stop sequences (`StopSequenceScan`) and decides which scored tokens may be
/// released.
struct StopSequenceFilter {
    private var scan: StopSequenceScan
    /// Tokens not released yet, with their byte ranges in the answer.
    private var pending: [(token: ScoredToken, start: Int, end: Int)] = []
    /// Tokens released so far (the last may be cut short where a stop sequence begins).
    private(set) var released: [ScoredToken] = []

    init(stops: [String]) { scan = StopSequenceScan(stops: stops) }

    /// False when there is nothing to watch for (every token is released at once).
    var isActive: Bool { scan.isActive }

    /// The answer up to the stop sequence (or all of it).
    var text: String { scan.text }

    /// Adds the next token. Returns the tokens that can go out now, and whether a stop sequence was completed
    /// (then generation should end; nothing more is held back).
    mutating func push(_ token: ScoredToken) -> (release: [ScoredToken], stopped: Bool) {
        let start = scan.bytes.count
        let found = scan.push(token.text)
        pending.append((token, start, scan.bytes.count))
        if let offset = found {
            var out: [ScoredToken] = []
            for p in pending where p.start < offset {
                var kept = p.token
                if p.end > offset { kept.text = String(decoding: scan.bytes[p.start..<offset], as: UTF8.self) }
                out.append(kept)
            }
            pending.removeAll()
            released += out
            return (out, true)
        }
        let safeEnd = scan.bytes.count - scan.heldSuffixLength()
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
}
