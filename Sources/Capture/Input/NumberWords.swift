import Foundation

/// English number words to digits: "twenty one" → "21", "three hundred and five" → "305", (after article
/// removal) "a million" → "1000000", and digits with a scale word: "2.6 million" → "2600000".
enum NumberWords {
    static let small: [String: Int] = [
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
        "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
        "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
        "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    ]
    static let scales: [String: Int] = [
        "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
    ]

    /// Replaces each maximal run of number words (with inner "and") by its value in digits.
    static func collapse(_ words: [AnswerToken]) -> [AnswerToken] {
        var output: [AnswerToken] = []
        var index = 0
        while index < words.count {
            if let scaled = scaledDigits(words, at: index) {
                output.append(AnswerToken(text: scaled, raw: scaled))
                index += 2
                continue
            }
            var total = 0, current = 0, consumed = 0, sawNumber = false, afterScale = false
            var probe = index
            while probe < words.count {
                let word = words[probe].text
                if let value = small[word] {
                    // "twenty one" adds up; "one two" and "twenty thirty" are separate numbers.
                    let rest = current % 100
                    let fits = value < 10 ? (rest == 0 || (rest >= 20 && rest % 10 == 0)) : rest == 0
                    if sawNumber && !fits { break }
                    current += value
                    afterScale = false
                } else if let scale = scales[word] {
                    if scale == 100 {
                        current = max(current, 1) * 100
                    } else {
                        total += max(current, 1) * scale
                        current = 0
                    }
                    afterScale = true
                } else if word == "and" && afterScale && probe + 1 < words.count && small[words[probe + 1].text] != nil
                {
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
                let digits = String(total + current)
                output.append(AnswerToken(text: digits, raw: digits))
                index += consumed
            } else {
                output.append(words[index])
                index += 1
            }
        }
        return output
    }

    /// "2.6" followed by "million" → "2600000" (thousand, million, billion; not hundred); nil otherwise.
    static func scaledDigits(_ words: [AnswerToken], at index: Int) -> String? {
        guard index + 1 < words.count, let scale = scales[words[index + 1].text], scale >= 1_000,
            words[index].text.first?.isNumber == true, let value = Decimal(string: words[index].text)
        else { return nil }
        let product = value * Decimal(scale)
        var rounded = Decimal()
        var copy = product
        NSDecimalRound(&rounded, &copy, 0, .plain)
        guard rounded == product else { return nil }  // 2.6543 million is not a whole number: leave it
        return NSDecimalNumber(decimal: rounded).stringValue
    }
}
