import Foundation

/// Dates to one canonical word, so that "4 July 1976", "July 4th, 1976", "the fourth of July 1976" and
/// "1976-07-04" all read `1976-07-04`, and "July 4" (no year) reads `--07-04`. Runs after `NumberWords`, so
/// days and years are digits; days may also be ordinal words ("twenty first"). A month name alone, or a month
/// with only a year ("July 1976"), stays as words, so a year answer still matches it.
enum DateWords {
    static let months: [String: Int] = [
        "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
        "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
        "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    ]
    static let ordinals: [String: Int] = [
        "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
        "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
        "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
    ]

    static func collapse(_ words: [AnswerToken]) -> [AnswerToken] {
        var output: [AnswerToken] = []
        var index = 0
        while index < words.count {
            if let (date, used) = date(words, at: index) {
                output.append(AnswerToken(text: date, raw: date))
                index += used
            } else {
                output.append(words[index])
                index += 1
            }
        }
        return output
    }

    /// The date starting at `index` and how many words it used, or nil.
    static func date(_ w: [AnswerToken], at index: Int) -> (String, Int)? {
        // ISO: 1976 07 04 (the dashes are gone by now)
        if let year = year(w, index), let month = number(w, index + 1, in: 1...12),
            w[index + 1].text.count == 2, let day = number(w, index + 2, in: 1...31), w[index + 2].text.count == 2
        {
            return (format(year, month, day), 3)
        }
        // day [of] month [year]: 4 July 1976, fourth of July
        if let (day, dayWords) = day(w, index) {
            var k = index + dayWords
            if k < w.count, w[k].text == "of" { k += 1 }
            if let month = month(w, k) {
                if let year = year(w, k + 1) { return (format(year, month, day), k + 2 - index) }
                return (format(nil, month, day), k + 1 - index)
            }
        }
        // month day [year]: July 4 1976, July the 4th (article already dropped)
        if let month = month(w, index), let (day, dayWords) = day(w, index + 1) {
            let k = index + 1 + dayWords
            if let year = year(w, k) { return (format(year, month, day), k + 1 - index) }
            return (format(nil, month, day), k - index)
        }
        return nil
    }

    static func format(_ year: Int?, _ month: Int, _ day: Int) -> String {
        let monthDay = String(format: "%02d-%02d", month, day)
        return year.map { String(format: "%04d-", $0) + monthDay } ?? "--" + monthDay
    }

    static func month(_ w: [AnswerToken], _ i: Int) -> Int? { i < w.count ? months[w[i].text] : nil }

    static func year(_ w: [AnswerToken], _ i: Int) -> Int? {
        guard i < w.count, w[i].text.count == 4 else { return nil }
        return number(w, i, in: 1000...2999)
    }

    static func number(_ w: [AnswerToken], _ i: Int, in range: ClosedRange<Int>) -> Int? {
        guard i < w.count, let n = Int(w[i].text), range.contains(n) else { return nil }
        return n
    }

    /// A day of the month: digits 1–31, an ordinal word, or "twenty"/"thirty" (already digits) + an ordinal word.
    static func day(_ w: [AnswerToken], _ i: Int) -> (Int, Int)? {
        guard i < w.count else { return nil }
        if let tens = number(w, i, in: 20...30), tens % 10 == 0, i + 1 < w.count, let unit = ordinals[w[i + 1].text],
            unit < 10
        {
            return tens + unit <= 31 ? (tens + unit, 2) : nil
        }
        if let n = ordinals[w[i].text] { return (n, 1) }
        if w[i].text.count <= 2, let n = number(w, i, in: 1...31) { return (n, 1) }
        return nil
    }
}
