// SentencePiece-style tokenizer as GGUF `tokenizer.ggml.model = llama` describes it (Kudo & Richardson 2018,
// "SentencePiece"): scored pieces merged greedily by score, spaces written as U+2581, byte fallback `<0xXX>`.

/// A SentencePiece (BPE-by-score) tokenizer with byte fallback, as llama.cpp runs `llama` vocabularies.
public struct SentencePieceTokenizer: Tokenizer {
    private let tokens: [String]
    private let kinds: [TokenKind]
    private let scores: [Float]
    /// `[vocab]`: the raw bytes each id stands for.
    private let tokenBytes: [[UInt8]]
    /// Ids by the UTF-8 bytes of their stored text (`▁the`), for normal and user-defined pieces.
    private let pieces: PieceTable
    private let idForToken: [String: Int32]
    /// `[256]`: the `<0xXX>` byte token of each byte, -1 where missing.
    private let byteIDs: [Int32]
    private let allSpecialMatcher: SpecialTokenMatcher
    private let userDefinedMatcher: SpecialTokenMatcher
    /// Whether a space goes in front of text at the start and after each special token (`add_space_prefix`).
    public let addSpacePrefix: Bool
    public let specialTokens: SpecialTokenIDs
    public let addsBOS: Bool
    public var vocabularySize: Int { tokens.count }

    /// Builds the tokenizer from the parallel GGUF arrays `tokenizer.ggml.tokens`, `token_type` and `scores`.
    public init(
        tokens: [String], kinds: [TokenKind], scores: [Float], specialTokens: SpecialTokenIDs,
        addsBOS: Bool, addSpacePrefix: Bool
    ) throws {
        guard kinds.count == tokens.count else {
            throw TokenizationError.lengthMismatch(
                key: "tokenizer.ggml.token_type", expected: tokens.count, found: kinds.count)
        }
        guard scores.count == tokens.count else {
            throw TokenizationError.lengthMismatch(
                key: "tokenizer.ggml.scores", expected: tokens.count, found: scores.count)
        }
        self.tokens = tokens
        self.kinds = kinds
        self.scores = scores
        self.specialTokens = specialTokens
        self.addsBOS = addsBOS
        self.addSpacePrefix = addSpacePrefix

        var pieceList: [(bytes: [UInt8], id: Int32)] = []
        var idForToken: [String: Int32] = [:]
        pieceList.reserveCapacity(tokens.count)
        idForToken.reserveCapacity(tokens.count)
        var byteIDs = [Int32](repeating: -1, count: 256)
        var all: [(text: String, id: Int32)] = []
        var userDefined: [(text: String, id: Int32)] = []
        var tokenBytes: [[UInt8]] = []
        tokenBytes.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() {
            let id = Int32(i)
            if idForToken[t] == nil { idForToken[t] = id }
            switch kinds[i] {
            case .byte:
                if let b = Self.parseByteToken(t) {
                    byteIDs[Int(b)] = id
                    tokenBytes.append([b])
                } else {
                    tokenBytes.append(Array(t.utf8))
                }
                continue
            case .control:
                all.append((t, id))
                tokenBytes.append(Array(t.utf8))
                continue
            case .userDefined:
                all.append((t, id))
                userDefined.append((t, id))
            default:
                break
            }
            let utf8 = Array(t.utf8)
            pieceList.append((utf8, id))
            tokenBytes.append(Self.spacesFromMarks(utf8))
        }
        self.pieces = PieceTable(count: tokens.count, pieces: pieceList)
        self.idForToken = idForToken
        self.byteIDs = byteIDs
        self.tokenBytes = tokenBytes
        allSpecialMatcher = SpecialTokenMatcher(all)
        userDefinedMatcher = SpecialTokenMatcher(userDefined)
    }

    /// UTF-8 bytes with every U+2581 (`E2 96 81`, SentencePiece's space mark) turned back into a space.
    private static func spacesFromMarks(_ utf8: [UInt8]) -> [UInt8] {
        guard utf8.count >= 3 else { return utf8 }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var i = 0
        while i < utf8.count {
            if utf8[i] == 0xE2, i + 2 < utf8.count, utf8[i + 1] == 0x96, utf8[i + 2] == 0x81 {
                out.append(0x20)
                i += 3
            } else {
                out.append(utf8[i])
                i += 1
            }
        }
        return out
    }

    /// The byte of a `<0xXX>` token text.
    private static func parseByteToken(_ t: String) -> UInt8? {
        guard t.count == 6, t.hasPrefix("<0x"), t.hasSuffix(">") else { return nil }
        return UInt8(t.dropFirst(3).prefix(2), radix: 16)
    }

    public func token(for id: Int32) -> String? { tokens.indices.contains(Int(id)) ? tokens[Int(id)] : nil }
    public func id(for token: String) -> Int32? { idForToken[token] }
    public func kind(of id: Int32) -> TokenKind { kinds.indices.contains(Int(id)) ? kinds[Int(id)] : .undefined }
    public func bytes(for id: Int32) -> [UInt8] { tokenBytes.indices.contains(Int(id)) ? tokenBytes[Int(id)] : [] }

    public func encode(_ text: String, parseSpecial: Bool) -> [Int32] {
        let scalars = Array(text.unicodeScalars)
        var ids: [Int32] = []
        var previousWasSpecial = true  // a space prefix goes at the very start, as after a special token
        func encodeSegment(_ range: Range<Int>) {
            guard !range.isEmpty else { return }
            var bytes: [UInt8] = []
            if addSpacePrefix && previousWasSpecial { bytes.append(contentsOf: [0xE2, 0x96, 0x81]) }
            for s in scalars[range] {
                if s == " " {
                    bytes.append(contentsOf: [0xE2, 0x96, 0x81])
                } else {
                    UTF8.encode(s) { bytes.append($0) }
                }
            }
            mergeByScore(bytes, into: &ids)
            previousWasSpecial = false
        }
        var start = 0
        for match in (parseSpecial ? allSpecialMatcher : userDefinedMatcher).matches(in: scalars) {
            encodeSegment(start..<match.range.lowerBound)
            ids.append(match.id)
            previousWasSpecial = true
            start = match.range.upperBound
        }
        encodeSegment(start..<scalars.count)
        return ids
    }

    /// One symbol of the merge list: a byte range of the text, linked to its neighbours.
    private struct Symbol {
        var start: Int
        var length: Int
        var previous: Int
        var next: Int
    }

    /// A candidate merge of two neighbouring symbols; better = higher score, then further left.
    private struct Bigram: Comparable {
        let left: Int
        let right: Int
        let score: Float
        let length: Int
        static func < (a: Bigram, b: Bigram) -> Bool { a.score != b.score ? a.score > b.score : a.left < b.left }
    }

    /// llama.cpp's SPM session: start from UTF-8 characters, repeatedly merge the best-scored neighbouring pair
    /// whose concatenation is a vocabulary piece, then emit each symbol (byte tokens when it is no piece).
    private func mergeByScore(_ text: [UInt8], into ids: inout [Int32]) {
        text.withUnsafeBufferPointer { buffer in mergeByScore(buffer, into: &ids) }
    }

    private func mergeByScore(_ text: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
        var symbols: [Symbol] = []
        var offset = 0
        while offset < text.count {
            let length = min(Self.utf8Length(text[offset]), text.count - offset)
            symbols.append(Symbol(start: offset, length: length, previous: symbols.count - 1, next: symbols.count + 1))
            offset += length
        }
        guard !symbols.isEmpty else { return }
        symbols[symbols.count - 1].next = -1
        var queue = BinaryHeap<Bigram>()
        func tryAdd(_ left: Int, _ right: Int) {
            guard left >= 0, right >= 0 else { return }
            let a = symbols[left], b = symbols[right]
            let range = a.start..<(b.start + b.length)
            guard let id = pieces.id(text, range) else { return }
            queue.push(Bigram(left: left, right: right, score: scores[Int(id)], length: range.count))
        }
        for i in 1..<symbols.count { tryAdd(i - 1, i) }
        while let bigram = queue.pop() {
            let left = symbols[bigram.left], right = symbols[bigram.right]
            // Stale: one side has been merged into something else since this candidate was queued.
            guard left.length > 0, right.length > 0, left.length + right.length == bigram.length,
                left.next == bigram.right
            else { continue }
            symbols[bigram.left].length += right.length
            symbols[bigram.right].length = 0
            symbols[bigram.left].next = right.next
            if right.next >= 0 { symbols[right.next].previous = bigram.left }
            tryAdd(symbols[bigram.left].previous, bigram.left)
            tryAdd(bigram.left, symbols[bigram.left].next)
        }
        var i = 0
        while i >= 0 {
            let s = symbols[i]
            let range = s.start..<(s.start + s.length)
            if let id = pieces.id(text, range) {
                ids.append(id)
            } else {
                for b in text[range] {
                    let id = byteIDs[Int(b)]
                    ids.append(id >= 0 ? id : (specialTokens.unknown ?? 0))
                }
            }
            i = s.next
        }
    }

    private static func utf8Length(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...0xFF: 4
        case 0xE0...0xEF: 3
        case 0xC0...0xDF: 2
        default: 1
        }
    }
}
