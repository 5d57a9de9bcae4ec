import Foundation

/// Grades a generated answer against accepted answers, in the spirit of SQuAD/TriviaQA answer
/// normalisation (Rajpurkar et al. 2016): lower-case, punctuation removed, articles dropped, whitespace
/// collapsed, and here also number words turned into digits ("twenty-one" → "21") and "1,000" → "1000".
/// An answer is correct when a normalised accepted answer occurs as a whole-word sequence in it.
public enum AnswerGrader {
    /// The verdict and which accepted answer matched.
    public struct Grade: Equatable, Sendable {
        public var correct: Bool
        public var matched: String?
        /// 1 correct, 0 incorrect (the stored label).
        public var label: Int8 { correct ? 1 : 0 }
    }

    /// Grades `generated` against `accepted`.
    public static func grade(_ generated: String, accepted: [String]) -> Grade {
        let words = normalizedWords(generated)
        for answer in accepted {
            let needle = normalizedWords(answer)
            if !needle.isEmpty && contains(words, needle) { return Grade(correct: true, matched: answer) }
        }
        return Grade(correct: false, matched: nil)
    }

    /// The normalised text (words joined by single spaces).
    public static func normalize(_ text: String) -> String { normalizedWords(text).joined(separator: " ") }

    /// Normalised words: case folded, digit-group commas joined, punctuation → spaces, articles dropped,
    /// runs of number words → digits.
    public static func normalizedWords(_ text: String) -> [String] {
        let lowered = text.lowercased()
        var cleaned = ""
        cleaned.reserveCapacity(lowered.count)
        let scalars = Array(lowered.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            if scalar == ",", index > 0, index + 1 < scalars.count,
               CharacterSet.decimalDigits.contains(scalars[index - 1]), CharacterSet.decimalDigits.contains(scalars[index + 1]) {
                continue  // 1,000 → 1000
            }
            if CharacterSet.alphanumerics.contains(scalar) {
                cleaned.unicodeScalars.append(scalar)
            } else {
                cleaned.append(" ")  // punctuation, symbols and whitespace all separate words
            }
        }
        let words = cleaned.split(separator: " ").map(String.init).filter { !articles.contains($0) }
        return NumberWords.collapse(words)
    }

    private static let articles: Set<String> = ["a", "an", "the"]

    /// Whether `needle` occurs as a contiguous run of whole words in `haystack`.
    static func contains(_ haystack: [String], _ needle: [String]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return true }
        }
        return false
    }
}

/// English number words to digits: "twenty one" → "21", "three hundred and five" → "305", and (after
/// article removal) "a million" → "1000000".
enum NumberWords {
    static let small: [String: Int] = [
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
        "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
        "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
        "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    ]
    static let scales: [String: Int] = ["hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000]

    /// Replaces each maximal run of number words (with inner "and") by its value in digits.
    static func collapse(_ words: [String]) -> [String] {
        var output: [String] = []
        var index = 0
        while index < words.count {
            var total = 0, current = 0, consumed = 0, sawNumber = false, afterScale = false
            var probe = index
            while probe < words.count {
                let word = words[probe]
                if let value = small[word] {
                    // "twenty one" adds up; "one two" and "twenty thirty" are separate numbers.
                    let rest = current % 100
                    let fits = value < 10 ? (rest == 0 || (rest >= 20 && rest % 10 == 0)) : rest == 0
                    if sawNumber && !fits { break }
                    current += value
                    afterScale = false
                } else if let scale = scales[word] {
                    if scale == 100 { current = max(current, 1) * 100 } else {
                        total += max(current, 1) * scale
                        current = 0
                    }
                    afterScale = true
                } else if word == "and" && afterScale && probe + 1 < words.count && small[words[probe + 1]] != nil {
                    probe += 1
                    continue
                } else {
                    break
                }
                sawNumber = true
                probe += 1
                consumed = probe - index
            }
            if consumed > 0 {
                output.append(String(total + current))
                index += consumed
            } else {
                output.append(words[index])
                index += 1
            }
        }
        return output
    }
}
