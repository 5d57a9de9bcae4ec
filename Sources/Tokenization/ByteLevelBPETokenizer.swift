// Byte-level BPE (Sennrich et al. 2016, "Neural Machine Translation of Rare Words with Subword Units";
// byte-level variant of GPT-2, Radford et al. 2019) as GGUF `tokenizer.ggml.model = gpt2` describes it.

/// A byte-level BPE tokenizer: split special tokens, pre-tokenize, then merge bytes by rank inside each word.
public struct ByteLevelBPETokenizer: Tokenizer {
    /// Vocabulary entries as stored (`Ġthe`), by id.
    private let tokens: [String]
    private let kinds: [TokenKind]
    /// `[vocab]`: the raw bytes each id stands for.
    private let tokenBytes: [[UInt8]]
    private let idForToken: [String: Int32]
    /// Merge rules keyed by `left << 32 | right`: the rank (lower merges first) and the merged id.
    private let merges: [UInt64: (rank: Int32, merged: Int32)]
    /// `[256]`: the id of each single-byte token, -1 where the vocabulary lacks it.
    private let byteIDs: [Int32]
    /// The pre-tokenizer that cuts text into words.
    public let preTokenizer: PreTokenizer
    /// Control and user-defined tokens together.
    private let allSpecialMatcher: SpecialTokenMatcher
    /// User-defined tokens only: matched even without special parsing (llama.cpp behaviour).
    private let userDefinedMatcher: SpecialTokenMatcher
    private let cache = WordCache()

    public let specialTokens: SpecialTokenIDs
    public let addsBOS: Bool
    public var vocabularySize: Int { tokens.count }

    /// Builds the tokenizer from the parallel GGUF arrays.
    /// - Parameters:
    ///   - tokens: `tokenizer.ggml.tokens`, byte-level text (`Ġthe`).
    ///   - kinds: `tokenizer.ggml.token_type`, one per token (all `.normal` when the file has none).
    ///   - merges: `tokenizer.ggml.merges`, `"left right"` in rank order.
    public init(
        tokens: [String], kinds: [TokenKind], merges: [String], preTokenizer: PreTokenizer,
        specialTokens: SpecialTokenIDs, addsBOS: Bool
    ) throws {
        guard kinds.count == tokens.count else {
            throw TokenizationError.lengthMismatch(
                key: "tokenizer.ggml.token_type", expected: tokens.count, found: kinds.count)
        }
        self.tokens = tokens
        self.kinds = kinds
        self.preTokenizer = preTokenizer
        self.specialTokens = specialTokens
        self.addsBOS = addsBOS

        var idForToken: [String: Int32] = [:]
        idForToken.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() where idForToken[t] == nil { idForToken[t] = Int32(i) }
        self.idForToken = idForToken

        var userDefined: [(text: String, id: Int32)] = []
        var all: [(text: String, id: Int32)] = []
        tokenBytes = tokens.enumerated().map { i, t in
            switch kinds[i] {
            case .control:
                all.append((t, Int32(i)))
                return Array(t.utf8)
            case .userDefined:
                userDefined.append((t, Int32(i)))
                all.append((t, Int32(i)))
                return Array(t.utf8)
            default:
                return ByteLevel.decode(t) ?? Array(t.utf8)
            }
        }
        userDefinedMatcher = SpecialTokenMatcher(userDefined)
        allSpecialMatcher = SpecialTokenMatcher(all)

        byteIDs = (0..<256).map { b in idForToken[String(Character(ByteLevel.characterForByte[b]))] ?? -1 }

        var table: [UInt64: (rank: Int32, merged: Int32)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, rule) in merges.enumerated() {
            // Split at the first space after the first character (a side may itself be a space-like token).
            let scalars = Array(rule.unicodeScalars)
            guard scalars.count >= 3, let cut = scalars[1...].firstIndex(of: " ") else {
                throw TokenizationError.malformedMerge(index: rank, text: rule)
            }
            var leftView = String.UnicodeScalarView(), rightView = String.UnicodeScalarView()
            leftView.append(contentsOf: scalars[..<cut])
            rightView.append(contentsOf: scalars[(cut + 1)...])
            let left = String(leftView), right = String(rightView)
            // Rules whose parts or result are not in the vocabulary can never fire; llama.cpp ignores them too.
            guard let l = idForToken[left], let r = idForToken[right], let m = idForToken[left + right] else {
                continue
            }
            let key = UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))
            if table[key] == nil { table[key] = (Int32(rank), m) }
        }
        self.merges = table
    }

    public func token(for id: Int32) -> String? { tokens.indices.contains(Int(id)) ? tokens[Int(id)] : nil }
    public func id(for token: String) -> Int32? { idForToken[token] }
    public func kind(of id: Int32) -> TokenKind { kinds.indices.contains(Int(id)) ? kinds[Int(id)] : .undefined }
    public func bytes(for id: Int32) -> [UInt8] { tokenBytes.indices.contains(Int(id)) ? tokenBytes[Int(id)] : [] }

    public func encode(_ text: String, parseSpecial: Bool) -> [Int32] {
        let scalars = Array(text.unicodeScalars)
        let classes = scalars.map(ScalarClass.of)
        var ids: [Int32] = []
        ids.reserveCapacity(scalars.count / 3 + 4)
        var pieces: [Range<Int>] = []
        var word: [UInt8] = []
        word.reserveCapacity(64)

        func encodeSegment(_ range: Range<Int>) {
            guard !range.isEmpty else { return }
            pieces.removeAll(keepingCapacity: true)
            preTokenizer.split(scalars, classes, range, into: &pieces)
            for piece in pieces {
                word.removeAll(keepingCapacity: true)
                for s in scalars[piece] { UTF8.encode(s) { word.append($0) } }
                appendWord(word, to: &ids)
            }
        }

        let matcher = parseSpecial ? allSpecialMatcher : userDefinedMatcher
        var start = 0
        for match in matcher.matches(in: scalars) {
            encodeSegment(start..<match.range.lowerBound)
            ids.append(match.id)
            start = match.range.upperBound
        }
        encodeSegment(start..<scalars.count)
        return ids
    }

    /// BPE of one word (its UTF-8 bytes), through the cache.
    private func appendWord(_ word: [UInt8], to ids: inout [Int32]) {
        if let hit = cache.get(word) {
            ids.append(contentsOf: hit)
            return
        }
        let result = mergeWord(word)
        if word.count <= 128 { cache.set(word, result) }
        ids.append(contentsOf: result)
    }

    /// BPE of one word: the whole word when the vocabulary has it and the pre-tokenizer says so, otherwise
    /// the merge loop over one id per byte (a heap for long words, so that huge inputs stay O(n log n)).
    func mergeWord(_ word: [UInt8], forceHeap: Bool? = nil) -> [Int32] {
        if preTokenizer.ignoresMergesForKnownWords, let whole = idForToken[ByteLevel.encode(word)] { return [whole] }
        let symbols: [Int32] = word.map { byteIDs[Int($0)] }
        guard symbols.count > 1 else { return symbols.filter { $0 >= 0 } }
        let merged = forceHeap ?? (symbols.count > 48) ? mergeWithHeap(symbols) : mergeByScan(symbols)
        // A byte the vocabulary has no token for (-1) never merges; it is dropped, as llama.cpp does, rather
        // than replaced by the unknown id (often a document separator such as <|endoftext|>).
        return merged.contains(-1) ? merged.filter { $0 >= 0 } : merged
    }

    /// The merge rule for two neighbouring ids, if any.
    @inline(__always) private func rule(_ left: Int32, _ right: Int32) -> (rank: Int32, merged: Int32)? {
        merges[UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))]
    }

    /// Short words: repeatedly merge the adjacent pair of lowest rank (leftmost on ties) until no rule applies.
    private func mergeByScan(_ initial: [Int32]) -> [Int32] {
        var symbols = initial
        // ranks[i]: rank of merging symbols[i] and symbols[i+1]; Int32.max when no rule.
        var ranks = [Int32](repeating: .max, count: symbols.count - 1)
        var results = [Int32](repeating: -1, count: symbols.count - 1)
        @inline(__always) func lookup(_ i: Int) {
            let key = UInt64(UInt32(bitPattern: symbols[i])) << 32 | UInt64(UInt32(bitPattern: symbols[i + 1]))
            if let m = merges[key] {
                ranks[i] = m.rank; results[i] = m.merged
            } else {
                ranks[i] = .max; results[i] = -1
            }
        }
        for i in 0..<ranks.count { lookup(i) }
        while !ranks.isEmpty {
            var best = 0
            for i in 1..<ranks.count where ranks[i] < ranks[best] { best = i }
            if ranks[best] == .max { break }
            symbols[best] = results[best]
            symbols.remove(at: best + 1)
            ranks.remove(at: best)
            results.remove(at: best)
            if best < ranks.count { lookup(best) }
            if best > 0 { lookup(best - 1) }
        }
        return symbols
    }

    /// A queued merge of the symbol at `left` with its right neighbour; smallest rank first, then leftmost.
    private struct Candidate: Comparable {
        let rank: Int32
        let left: Int
        let leftID: Int32
        let rightID: Int32
        static func < (a: Candidate, b: Candidate) -> Bool { a.rank != b.rank ? a.rank < b.rank : a.left < b.left }
    }

    /// Long words: the same merges in the same order, with a linked list of symbols and a heap of candidates.
    private func mergeWithHeap(_ initial: [Int32]) -> [Int32] {
        var ids = initial
        var next = Array(1...ids.count)  // ids.count means "none"
        var previous = Array(-1..<(ids.count - 1))
        var alive = [Bool](repeating: true, count: ids.count)
        var heap = BinaryHeap<Candidate>()
        func offer(_ left: Int) {
            guard left >= 0, next[left] < ids.count else { return }
            let right = next[left]
            if let r = rule(ids[left], ids[right]) {
                heap.push(Candidate(rank: r.rank, left: left, leftID: ids[left], rightID: ids[right]))
            }
        }
        for i in 0..<(ids.count - 1) { offer(i) }
        while let c = heap.pop() {
            let right = next[c.left]
            // Stale when either side has changed since the candidate was queued.
            guard alive[c.left], right < ids.count, ids[c.left] == c.leftID, ids[right] == c.rightID,
                let r = rule(c.leftID, c.rightID), r.rank == c.rank
            else { continue }
            ids[c.left] = r.merged
            alive[right] = false
            next[c.left] = next[right]
            if next[right] < ids.count { previous[next[right]] = c.left }
            offer(previous[c.left])
            offer(c.left)
        }
        var out: [Int32] = []
        var i = 0
        while i < ids.count {
            out.append(ids[i])
            i = next[i]
        }
        return out
    }
}
