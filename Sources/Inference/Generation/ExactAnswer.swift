import Foundation

/// The exact answer inside a generated answer: the first run of words that the question did not already contain
/// and that are not function words ("The capital of Australia is **Canberra**."). Truth signals concentrate on
/// the exact-answer tokens rather than on the answer's last token (Orgad et al., ICLR 2025, "LLMs Know More Than
/// They Show"). The rule reads only the question and the generated text — never the grade — so capture and the
/// gate find the same span, and the span carries no hint of whether the answer was right.
public enum ExactAnswer {
    /// Words that never start or extend an exact answer (articles, auxiliaries, pronouns, hedges, fillers).
    static let functionWords: Set<String> = [
        "a", "an", "the", "is", "are", "was", "were", "be", "been", "being", "am", "it", "its", "it's", "this", "that",
        "these", "those", "there", "here", "of", "in", "on", "at", "to", "from", "by", "for", "with", "as", "and", "or",
        "but", "not", "no", "yes", "so", "than", "then", "also", "has", "have", "had", "do", "does", "did", "can",
        "could", "would", "should", "will", "may", "might", "must", "i", "you", "he", "she", "we", "they", "me", "him",
        "her", "us", "them", "my", "your", "his", "our", "their", "which", "who", "whom", "whose", "what", "when",
        "where", "why", "how", "answer", "correct", "think", "believe", "know", "sure", "called", "known", "named",
        "s", "t", "about", "approximately", "around", "roughly", "exactly", "just", "only", "very", "one", "some",
    ]

    /// Index (into `tokenBytes`, the generated tokens' bytes in order) of the token that ends the exact answer, or
    /// nil when the answer holds no word outside the question and the function words.
    public static func lastToken(question: String, tokenBytes: [[UInt8]]) -> Int? {
        // Where each token ends in the decoded answer (invalid bytes decode to U+FFFD, which moves offsets; a
        // character split across tokens counts from the token that completes it).
        let all = Array(tokenBytes.joined())
        var ends: [Int] = [], total = 0
        for bytes in tokenBytes {
            total += bytes.count
            ends.append(String(decoding: all[..<completeCharacters(all[..<total])], as: UTF8.self).utf8.count)
        }
        let text = String(decoding: all, as: UTF8.self)
        let asked = Set(words(in: question).map { stem($0.folded) })
        var span: Range<Int>?  // byte range of the exact answer
        for word in words(in: text) {
            let content = !asked.contains(stem(word.folded)) && !functionWords.contains(word.folded)
            if content {
                span = (span?.lowerBound ?? word.bytes.lowerBound)..<word.bytes.upperBound
            } else if span != nil {
                break  // the first run of content words ends here
            }
        }
        guard let span else { return nil }
        // The token whose bytes reach the end of the span (a word may end inside a token: " Canberra." → one token).
        return ends.firstIndex { $0 >= span.upperBound }
    }

    /// `bytes` without a trailing, still incomplete UTF-8 character: the count of bytes to decode.
    static func completeCharacters(_ bytes: ArraySlice<UInt8>) -> Int {
        var i = bytes.endIndex
        while i > bytes.startIndex && bytes.endIndex - i < 4 {
            i -= 1
            let b = bytes[i]
            if b & 0xC0 == 0x80 { continue }  // a continuation byte: look further back for its lead
            let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            return bytes.endIndex - i < length ? i - bytes.startIndex : bytes.count
        }
        return bytes.count
    }

    /// A crude stem so that "happened" matches "happen" and "Australia's" matches "Australia".
    static func stem(_ word: String) -> String {
        var w = word
        if w.hasSuffix("'s") { w.removeLast(2) }
        for suffix in ["ing", "ed", "es", "s"] where w.count > suffix.count + 3 && w.hasSuffix(suffix) {
            w.removeLast(suffix.count)
            break
        }
        return w
    }

    /// A word of text: letters, digits and inner apostrophes/hyphens/periods of numbers, with its UTF-8 byte range and
    /// its folded form (lower-case, accents removed).
    struct Word { var folded: String; var bytes: Range<Int> }

    static func words(in text: String) -> [Word] {
        var out: [Word] = [], current = String.UnicodeScalarView(), start = 0, offset = 0
        func flush() {
            // A trailing "." "-" or apostrophe taken in as a possible inner character is not part of the word.
            while let last = current.last, [".", "-", "'", "\u{2019}"].contains(last) { current.removeLast() }
            if !current.isEmpty {
                let raw = String(current)
                let folded = raw.lowercased().folding(options: .diacriticInsensitive, locale: nil)
                    .replacingOccurrences(of: "\u{2019}", with: "'")
                out.append(Word(folded: folded, bytes: start..<(start + raw.utf8.count)))
            }
            current = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            let inner =
                scalar == "'" || scalar == "\u{2019}" || scalar == "-"
                || (scalar == "." && current.last?.properties.numericType != nil)
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil || (!current.isEmpty && inner) {
                if current.isEmpty { start = offset }
                current.append(scalar)
            } else {
                flush()
            }
            offset += String(scalar).utf8.count
        }
        flush()
        return out
    }
}
