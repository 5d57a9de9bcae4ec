import Foundation
import Inference

/// Grades a generated answer against accepted answers, in the spirit of SQuAD/TriviaQA answer normalisation
/// (Rajpurkar et al. 2016), extended for fact questions. Both sides are normalised by `AnswerTokenizer`:
/// lower-case, accents and punctuation removed, articles dropped, number words as digits ("twenty-one" →
/// "21", "2.6 million" → "2600000", "1,000" → "1000"), dates as `yyyy-mm-dd` ("July 4th, 1976" = "4 July
/// 1976" = "1976-07-04"), unit names as symbols ("400 centimetres" = "400cm"), "St." as "Saint".
///
/// - correct: a normalised accepted answer occurs as a whole-word sequence in the answer. A year ("1803")
///   also matches a full date in that year ("March 1, 1803"). Short codes ("Au", "CZ": letters only, at most
///   two letters with a capital, or up to three capitals) match case-sensitively, so "I" or "in" in running
///   text is not read as iodine or Indiana.
/// - refused: nothing matched and `RefusalDetector` reads a refusal or "I don't know".
/// - incorrect: anything else.
///
/// Only the answer's own turn is graded: a run-on answer that goes on to invent the next "Question: …" turn (a base
/// model after the raw `Question: … Answer:` prompt) is cut where that turn starts, so a later invented answer cannot
/// make it right ("English\n\nQuestion: …\nAnswer: French" is graded as "English").
public enum AnswerGrader {
    public enum Verdict: String, Sendable, CaseIterable {
        case correct, incorrect, refused

        /// The stored label: 1 correct, 0 incorrect, -1 refused (probes skip -1 rows as unknown).
        public var label: Int8 {
            switch self {
            case .correct: 1;
            case .incorrect: 0;
            case .refused: -1
            }
        }
        /// The word stored in the `/examples/meta/grade` column: "right", "wrong" or "refused".
        public var name: String {
            switch self {
            case .correct: "right";
            case .incorrect: "wrong";
            case .refused: "refused"
            }
        }
    }

    /// The verdict and which accepted answer matched.
    public struct Grade: Equatable, Sendable {
        public var verdict: Verdict
        public var matched: String?
        public var correct: Bool { verdict == .correct }
        public var refused: Bool { verdict == .refused }
        /// 1 correct, 0 incorrect, -1 refused (the stored label).
        public var label: Int8 { verdict.label }
    }

    /// Grades `generated` against `accepted`.
    public static func grade(_ generated: String, accepted: [String]) -> Grade {
        let generated = ownTurn(generated)
        let words = AnswerTokenizer.tokens(generated)
        for answer in accepted {
            let needle = AnswerTokenizer.tokens(answer)
            if !needle.isEmpty && contains(words, needle, caseSensitive: isShortCode(answer)) {
                return Grade(verdict: .correct, matched: answer)
            }
        }
        return Grade(verdict: RefusalDetector.isRefusal(generated) ? .refused : .incorrect, matched: nil)
    }

    /// The text before an invented next turn: a line that starts with "Question:" (`PlainPrompt.nextTurn`).
    public static func ownTurn(_ text: String) -> String {
        guard let next = text.range(of: PlainPrompt.nextTurn) else { return text }
        return String(text[..<next.lowerBound])
    }

    /// The normalised text (words joined by single spaces).
    public static func normalize(_ text: String) -> String { normalizedWords(text).joined(separator: " ") }

    /// Normalised words (see the type's description).
    public static func normalizedWords(_ text: String) -> [String] { AnswerTokenizer.tokens(text).map(\.text) }

    /// Letters only, and either at most two with a capital ("Au", "W") or up to three capitals ("CZ", "USA").
    static func isShortCode(_ answer: String) -> Bool {
        let trimmed = answer.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isLetter && $0.isASCII }) else { return false }
        let capitals = trimmed.filter(\.isUppercase).count
        return (trimmed.count <= 2 && capitals > 0) || (trimmed.count <= 3 && capitals == trimmed.count)
    }

    /// Whether `needle` occurs as a contiguous run of whole words in `haystack`.
    static func contains(_ haystack: [AnswerToken], _ needle: [AnswerToken], caseSensitive: Bool = false) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) {
            if needle.indices.allSatisfy({ same(haystack[start + $0], needle[$0], caseSensitive: caseSensitive) }) {
                return true
            }
        }
        return false
    }

    /// Word equality: the canonical texts agree (raw spellings when case-sensitive), or a year meets a date in it.
    static func same(_ word: AnswerToken, _ wanted: AnswerToken, caseSensitive: Bool) -> Bool {
        if caseSensitive { return word.raw == wanted.raw }
        if word.text == wanted.text { return true }
        return wanted.text.count == 4 && wanted.text.allSatisfy(\.isNumber) && word.isDate
            && word.text.hasPrefix(wanted.text + "-")
    }

}
