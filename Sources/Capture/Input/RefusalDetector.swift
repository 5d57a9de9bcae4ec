import Foundation

/// Tells a refusal or an "I don't know" from an answer. A reply is a refusal when its first sentence says the
/// model does not know or cannot answer ("I don't know", "I'm not sure", "I cannot provide", "I don't have
/// information", "as an AI") and the reply nowhere ventures a guess ("I think", "probably", "it might be").
/// The grader asks only when no accepted answer matched: a hedged right answer is still right, and a hedged
/// wrong guess ("I'm not sure, but I think it is Lyon") is wrong, not refused.
public enum RefusalDetector {
    /// Phrases, as normalised words (apostrophes split words: "don't" → "don t"), that mark a refusal.
    static let refusals: [[String]] = [
        "i don t know", "i do not know", "i dont know", "don t know", "do not know", "not sure", "not certain",
        "no idea", "i cannot", "i can t", "i can not", "i am unable", "i m unable", "unable to", "not able to",
        "don t have information", "do not have information", "don t have any information",
        "do not have any information",
        "don t have enough information", "do not have enough information", "no information", "don t have access",
        "do not have access", "not aware of", "as an ai", "cannot answer", "can t answer", "cannot provide",
        "can t provide", "couldn t find", "could not find", "not familiar with",
    ].map { $0.split(separator: " ").map(String.init) }

    /// Phrases that mean the model went on to guess.
    static let guesses: [[String]] = [
        "i think", "i believe", "i guess", "probably", "likely", "might be", "may be", "could be", "my best guess",
        "it is possible that",
    ].map { $0.split(separator: " ").map(String.init) }

    /// Whether `text` refuses to answer (see the type's description).
    public static func isRefusal(_ text: String) -> Bool {
        let first = words(firstSentence(text))
        guard refusals.contains(where: { contains(first, $0) }) else { return false }
        let all = words(text)
        return !guesses.contains { contains(all, $0) }
    }

    /// The text up to the first ".", "!", "?" or line break that ends a sentence (at most 300 characters).
    static func firstSentence(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var end = trimmed.startIndex
        while end < trimmed.endIndex, trimmed.distance(from: trimmed.startIndex, to: end) < 300 {
            let c = trimmed[end]
            let next = trimmed.index(after: end)
            if c == "\n" || ("!?.".contains(c) && (next == trimmed.endIndex || trimmed[next].isWhitespace)) { break }
            end = next
        }
        return String(trimmed[..<end])
    }

    /// Plain lower-case words: refusal phrases are matched before number, date or unit handling.
    static func words(_ text: String) -> [String] {
        AnswerTokenizer.split(text).map { AnswerTokenizer.fold($0) }
    }

    static func contains(_ haystack: [String], _ needle: [String]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}
