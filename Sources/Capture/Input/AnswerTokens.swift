import Foundation

/// One word of a normalised answer: `text` is the canonical form that grading compares (lower-case, accents
/// removed, number words as digits, dates as `yyyy-mm-dd`, unit names as symbols); `raw` keeps the original
/// spelling for the few accepted answers that must match case-sensitively ("Au", "CZ").
public struct AnswerToken: Equatable, Sendable {
    public var text: String
    public var raw: String
    /// Whether `text` is a full date written `yyyy-mm-dd` (or `--mm-dd` without a year).
    public var isDate: Bool { text.count == 10 && text.utf8.filter { $0 == UInt8(ascii: "-") }.count == 2 }
}

/// Splits text into words and applies the grader's canonical forms, in this order: split (punctuation and
/// spaces separate words; digit groups "1,000" and decimals "2.5" stay whole; "400cm" and "4th" split from
/// their digits, ordinal suffixes dropped), case and accents folded, articles dropped, number words to digits
/// (`NumberWords`), dates to `yyyy-mm-dd` (`DateWords`), unit names to symbols (`UnitWords`).
enum AnswerTokenizer {
    static let articles: Set<String> = ["a", "an", "the"]
    static let ordinalSuffixes: Set<String> = ["st", "nd", "rd", "th"]
    /// Word-level abbreviations spelled out ("St. Petersburg" = "Saint Petersburg").
    static let abbreviations: [String: String] = ["st": "saint", "mt": "mount", "ste": "sainte"]

    static func tokens(_ text: String) -> [AnswerToken] {
        var tokens = split(text).map { AnswerToken(text: fold($0), raw: $0) }
        tokens.removeAll { articles.contains($0.text) }
        tokens = NumberWords.collapse(tokens)
        tokens = DateWords.collapse(tokens)
        return tokens.map { token in
            var token = token
            if let unit = UnitWords.symbol[token.text] { token.text = unit }
            if let full = abbreviations[token.text] { token.text = full }
            return token
        }
    }

    /// Raw words: runs of letters or digits; "," inside a digit run is dropped, "." inside one is kept (a
    /// decimal point); a run splits where letters meet digits, and "st/nd/rd/th" right after digits is dropped.
    static func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < scalars.count && scalars[i].properties.numericType == .decimal }
        var runs: [String.UnicodeScalarView] = [], current = String.UnicodeScalarView()
        for (i, scalar) in scalars.enumerated() {
            if (scalar == "," || scalar == ".") && isDigit(i - 1) && isDigit(i + 1) {
                if scalar == "." { current.append(scalar) }  // 1,000 → 1000; 2.5 stays 2.5
            } else if scalar.properties.isAlphabetic || isDigit(i) {
                current.append(scalar)
            } else if !current.isEmpty {
                runs.append(current)
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { runs.append(current) }
        var words: [String] = []
        for run in runs {
            var pieces: [String] = [], piece = String.UnicodeScalarView(), pieceIsDigits = false
            for scalar in run {
                let digit = scalar.properties.numericType == .decimal || (scalar == "." && pieceIsDigits)
                if !piece.isEmpty && digit != pieceIsDigits {
                    pieces.append(String(piece))
                    piece = String.UnicodeScalarView()
                }
                piece.append(scalar)
                pieceIsDigits = digit
            }
            if !piece.isEmpty { pieces.append(String(piece)) }
            for (k, word) in pieces.enumerated() {
                let afterDigits = k > 0 && pieces[k - 1].first?.isNumber == true
                if afterDigits && ordinalSuffixes.contains(word.lowercased()) { continue }  // "4th" → "4"
                words.append(word.first?.isNumber == true ? canonicalNumber(word) : word)
            }
        }
        return words
    }

    /// "2.50" → "2.5", "3.0" → "3"; integers stay as written ("007" stays, as in a calling code "00225").
    static func canonicalNumber(_ digits: String) -> String {
        guard digits.contains(".") else { return digits }
        var trimmed = digits
        while trimmed.hasSuffix("0") { trimmed.removeLast() }
        if trimmed.hasSuffix(".") { trimmed.removeLast() }
        return trimmed
    }

    /// Lower-case with accents removed: "Bogotá" → "bogota", "Øre" keeps its "ø" (not a combining accent).
    static func fold(_ word: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in word.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            out.append(scalar)
        }
        return String(out)
    }
}
