// Incremental detokenization: a UTF-8 character may span several byte-level tokens (RFC 3629 sequence lengths).

/// Turns token ids into text one id at a time. Emits only complete UTF-8 characters and holds back the
/// bytes of a character that later tokens will finish; a sequence that can never be completed becomes U+FFFD.
public struct StreamingDecoder: Sendable {
    private let tokenizer: any Tokenizer
    /// Bytes received but not yet emitted: at most the start of one incomplete character.
    private var pending: [UInt8] = []

    /// A decoder over `tokenizer`'s vocabulary.
    public init(tokenizer: any Tokenizer) {
        self.tokenizer = tokenizer
    }

    /// Number of bytes held back, waiting for the rest of a character.
    public var pendingByteCount: Int { pending.count }

    /// Adds one id and returns the text that is now complete (possibly empty).
    public mutating func push(_ id: Int32) -> String {
        pending.append(contentsOf: tokenizer.bytes(for: id))
        let cut = Self.completePrefixLength(pending)
        if cut == 0 { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Returns whatever is still held back (an unfinished character becomes U+FFFD) and empties the decoder.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// Length of the longest prefix of `bytes` that does not end inside a character still able to complete.
    /// Looks back at most 3 bytes for a lead byte whose sequence is longer than what follows it.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        var back = 1
        while back <= min(3, n) {
            let b = bytes[n - back]
            if b & 0xC0 == 0x80 { back += 1; continue }  // continuation byte: keep looking for its lead
            let need: Int
            switch b {
            case 0xC2...0xDF: need = 2
            case 0xE0...0xEF: need = 3
            case 0xF0...0xF4: need = 4
            default: need = 1  // ASCII or a byte that never starts a sequence: nothing to wait for
            }
            return need > back ? n - back : n
        }
        return n  // only continuation bytes at the end, more than any lead could own: emit as they are
    }
}
