// Pre-tokenizers of byte-level BPE models: hand-written scanners equivalent to the split regexes that
// llama.cpp (llama-vocab.cpp) and Hugging Face tokenizers use for each `tokenizer.ggml.pre` value.

/// How text is cut into words before BPE merges run inside each word.
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2 = "gpt-2"
    /// SmolLM: every `\p{N}` is its own piece, then the GPT-2 pattern on what lies between.
    case smollm
    /// Llama 3: case-insensitive contractions, `[^\r\n\p{L}\p{N}]?\p{L}+`, `\p{N}{1,3}`,
    /// ` ?[^\s\p{L}\p{N}]+[\r\n]*`, `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`.
    case llama3 = "llama-bpe"
    /// Qwen 2: the Llama 3 pattern with single digits (`\p{N}`).
    case qwen2

    /// The pre-tokenizer a GGUF's `tokenizer.ggml.pre` names, or nil when Polygraph does not know it.
    public init?(ggufName: String) {
        switch ggufName {
        case "gpt-2", "gpt2": self = .gpt2
        case "smollm": self = .smollm
        case "llama-bpe", "llama3", "llama-v3": self = .llama3
        case "qwen2": self = .qwen2
        default: return nil
        }
    }

    /// Whether BPE should take a word whole when the vocabulary has it (Hugging Face `ignore_merges`; Llama 3).
    var ignoresMergesForKnownWords: Bool { self == .llama3 }

    /// Cuts `scalars[range]` into pieces and appends their ranges to `pieces`, in order, covering the range.
    /// `classes` holds `ScalarClass.of` for every scalar.
    func split(
        _ scalars: [Unicode.Scalar], _ classes: [ScalarClass], _ range: Range<Int>, into pieces: inout [Range<Int>]
    ) {
        var scanner = SplitScanner(scalars: scalars, classes: classes, end: range.upperBound)
        switch self {
        case .gpt2:
            scanner.scanGPT2(from: range.lowerBound, into: &pieces)
        case .smollm:
            var start = range.lowerBound
            for i in range where classes[i] == .number {
                if start < i { scanner.scanGPT2(from: start, upTo: i, into: &pieces) }
                pieces.append(i..<(i + 1))
                start = i + 1
            }
            if start < range.upperBound { scanner.scanGPT2(from: start, upTo: range.upperBound, into: &pieces) }
        case .llama3:
            scanner.scanLlama3(from: range.lowerBound, maxDigits: 3, into: &pieces)
        case .qwen2:
            scanner.scanLlama3(from: range.lowerBound, maxDigits: 1, into: &pieces)
        }
    }

    /// The pieces of `text` as strings (for tests and inspection).
    public func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        let classes = scalars.map(ScalarClass.of)
        var ranges: [Range<Int>] = []
        split(scalars, classes, 0..<scalars.count, into: &ranges)
        return ranges.map { r in
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars[r])
            return String(s)
        }
    }
}

/// One left-to-right pass over a piece of text; `end` bounds every lookahead (as a regex on the piece would).
private struct SplitScanner {
    let scalars: [Unicode.Scalar]
    let classes: [ScalarClass]
    var end: Int

    init(scalars: [Unicode.Scalar], classes: [ScalarClass], end: Int) {
        self.scalars = scalars
        self.classes = classes
        self.end = end
    }

    @inline(__always) private func value(_ i: Int) -> UInt32 { i < end ? scalars[i].value : 0xFFFF_FFFF }
    @inline(__always) private func cls(_ i: Int) -> ScalarClass? { i < end ? classes[i] : nil }
    @inline(__always) private func isNewline(_ i: Int) -> Bool { let v = value(i); return v == 0x0A || v == 0x0D }

    /// First index at or after `i` whose class is not `c`.
    @inline(__always) private func skip(_ c: ScalarClass, from i: Int) -> Int {
        var j = i
        while j < end, classes[j] == c { j += 1 }
        return j
    }

    /// Length of a contraction (`'s 't 're 've 'm 'll 'd`) starting at `i`, or 0.
    private func contraction(at i: Int, caseInsensitive: Bool) -> Int {
        guard value(i) == 0x27, i + 1 < end else { return 0 }
        func lower(_ v: UInt32) -> UInt32 { caseInsensitive && v >= 0x41 && v <= 0x5A ? v + 0x20 : v }
        let a = lower(value(i + 1))
        let b = i + 2 < end ? lower(value(i + 2)) : 0
        switch a {
        case 0x73, 0x74, 0x6D, 0x64: return 2  // s t m d
        case 0x72: return b == 0x65 ? 3 : 0  // re
        case 0x76: return b == 0x65 ? 3 : 0  // ve
        case 0x6C: return b == 0x6C ? 3 : 0  // ll
        default: return 0
        }
    }

    /// End of the whitespace alternatives `\s+(?!\S)|\s+` for a run starting at `i`.
    private func whitespaceEnd(from i: Int) -> Int {
        let j = skip(.whitespace, from: i)
        if j < end, j - i > 1 { return j - 1 }  // leave the last space to prefix the next word
        return j
    }

    mutating func scanGPT2(from start: Int, upTo limit: Int, into pieces: inout [Range<Int>]) {
        let saved = end
        end = limit
        scanGPT2(from: start, into: &pieces)
        end = saved
    }

    /// The GPT-2 pattern from `start` to `end`.
    func scanGPT2(from start: Int, into pieces: inout [Range<Int>]) {
        var i = start
        while i < end {
            var j: Int
            let c = contraction(at: i, caseInsensitive: false)
            if c > 0 {
                j = i + c
            } else {
                // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
                let k = (value(i) == 0x20 && cls(i + 1) != nil && cls(i + 1) != .whitespace) ? i + 1 : i
                switch classes[k] {
                case .letter, .number: j = skip(classes[k], from: k)
                case .other:
                    j = k
                    while j < end, classes[j] == .other { j += 1 }
                case .whitespace: j = whitespaceEnd(from: i)
                }
            }
            pieces.append(i..<j)
            i = j
        }
    }

    /// The Llama 3 pattern (`maxDigits` 3) or the Qwen 2 pattern (`maxDigits` 1) from `start` to `end`.
    func scanLlama3(from start: Int, maxDigits: Int, into pieces: inout [Range<Int>]) {
        var i = start
        while i < end {
            var j: Int
            let c = contraction(at: i, caseInsensitive: true)
            let cl = classes[i]
            if c > 0 {
                j = i + c
            } else if cl == .letter {
                j = skip(.letter, from: i)  // `[^\r\n\p{L}\p{N}]?\p{L}+` without the prefix
            } else if cl != .number, !isNewline(i), cls(i + 1) == .letter {
                j = skip(.letter, from: i + 1)  // one non-letter, non-digit, non-newline prefix
            } else if cl == .number {
                j = i + 1
                while j < end, j - i < maxDigits, classes[j] == .number { j += 1 }
            } else if cl == .other || (value(i) == 0x20 && cls(i + 1) == .other) {
                // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
                j = cl == .other ? i : i + 1
                while j < end, classes[j] == .other { j += 1 }
                while j < end, isNewline(j) { j += 1 }
            } else {
                // `\s*[\r\n]+` first: up to the last newline of the whitespace run; then `\s+(?!\S)|\s+`.
                let run = skip(.whitespace, from: i)
                var lastNewline = -1
                for k in i..<run where isNewline(k) { lastNewline = k }
                j = lastNewline >= 0 ? lastNewline + 1 : whitespaceEnd(from: i)
            }
            pieces.append(i..<j)
            i = j
        }
    }
}
