import ActivationStore
import Foundation

/// The shapes in which public QA benchmarks are distributed, so that a user can capture and score them as they are:
/// - NQ-open (Lee et al. 2019): `{"question", "answer": ["...", ...]}`;
/// - TriviaQA (Joshi et al. 2017): the Hugging Face rows' `"answer": {"value", "aliases", ...}`, and the original
///   files, one JSON object `{"Data": [{"Question", "Answer": {"Value", "Aliases", ...}}, ...]}`;
/// - PopQA (Mallen et al. 2023): `"possible_answers"`, a list or a string holding a JSON list (its TSV columns);
/// - HaluEval's QA set (Li et al. 2023): `{"question", "right_answer", "hallucinated_answer"}`, read as two given
///   answers to score, labelled 1 and 0; TruthfulQA's rows (`best_answer`, `correct_answers`,
///   `incorrect_answers`, or the multiple-choice `mc2_targets`) likewise, one given answer each, and its CSV
///   (`truthfulQACSV`);
/// - any file that is one JSON array of such records.
/// A record's nested fields (search results, entity pages) are left out of `/examples/meta`.
extension QuestionsReader {
    /// Accepted answers under a benchmark's field name, when `answers` is absent: `answer`, `Answer`,
    /// `possible_answers`, in that order; nil when none of them is there.
    static func benchmarkAnswers(_ fields: [String: Any], path: String, line: Int) throws
        -> (key: String, answers: [String])?
    {
        for key in ["answer", "Answer", "possible_answers"] {
            guard let value = fields[key], !(value is NSNull) else { continue }
            guard let answers = answerStrings(value) else {
                throw StoreError.jsonl(
                    path: path, line: line,
                    message: "\"\(key)\" must be an accepted answer: a string, a list of strings, a string holding a "
                        + "JSON list, or an object with \"value\" and \"aliases\" (TriviaQA)")
            }
            for answer in answers { try refuseNUL(answer, field: key, path: path, line: line) }
            return (key, answers)
        }
        return nil
    }

    /// The strings of one benchmark answer value, the main one first and without repeats; nil for another shape.
    private static func answerStrings(_ value: Any) -> [String]? {
        var found: [String] = []
        func add(_ text: String) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty && !found.contains(trimmed) { found.append(trimmed) }
        }
        switch value {
        case let text as String:
            // PopQA keeps its lists as JSON text inside a TSV column.
            if text.hasPrefix("["), let data = text.data(using: .utf8),
                let list = try? JSONSerialization.jsonObject(with: data) as? [Any]
            {
                guard let strings = strings(list) else { return nil }
                strings.forEach(add)
            } else {
                add(text)
            }
        case let list as [Any]:
            guard let strings = strings(list) else { return nil }
            strings.forEach(add)
        case let object as [String: Any]:
            let main = object["value"] ?? object["Value"]
            let aliases = object["aliases"] ?? object["Aliases"]
            guard main != nil || aliases != nil else { return nil }
            if let main {
                guard let text = main as? String else { return nil }
                add(text)
            }
            if let aliases {
                guard let strings = strings(aliases) else { return nil }
                strings.forEach(add)
            }
        default:
            return nil
        }
        return found
    }

    /// Given answers to score, with their labels, from a benchmark record: HaluEval's QA pair (`right_answer`,
    /// `hallucinated_answer`), or TruthfulQA's (Lin et al. 2022) `best_answer`, `correct_answers` and
    /// `incorrect_answers` (lists, or text separated by "; " as in its CSV). Nil for another record; the keys read
    /// are returned so that they stay out of `meta`.
    static func givenAnswers(_ fields: [String: Any], path: String, line: Int) throws
        -> (answers: [(text: String, label: Int8, field: String)], keys: Set<String>)?
    {
        guard fields["response"] == nil else { return nil }
        if let choices = try multipleChoice(fields, path: path, line: line) { return choices }
        let shapes: [[(key: String, label: Int8)]] = [
            [("right_answer", 1), ("hallucinated_answer", 0)],
            [("best_answer", 1), ("correct_answers", 1), ("incorrect_answers", 0)],
        ]
        for shape in shapes where shape.contains(where: { fields[$0.key] != nil }) {
            var answers: [(text: String, label: Int8, field: String)] = []
            for (key, label) in shape {
                guard let value = fields[key], !(value is NSNull) else { continue }
                let texts: [String]
                if let text = value as? String {
                    // a plural field as text: TruthfulQA's CSV separates its answers with "; "
                    texts = (key.hasSuffix("s") ? text.components(separatedBy: ";") : [text])
                        .map { $0.trimmingCharacters(in: .whitespaces) }
                } else if let list = strings(value) {
                    texts = list
                } else {
                    throw StoreError.jsonl(
                        path: path, line: line, message: "\"\(key)\" must be a string or a list of strings")
                }
                for text in texts where !text.isEmpty && !answers.contains(where: { $0.text == text }) {
                    try refuseNUL(text, field: key, path: path, line: line)
                    answers.append((text, label, key))
                }
            }
            guard answers.contains(where: { $0.label == 1 }), answers.contains(where: { $0.label == 0 }) else {
                throw StoreError.jsonl(
                    path: path, line: line,
                    message: "a record with given answers (\(shape.map(\.key).joined(separator: ", "))) needs at "
                        + "least one right and one wrong answer")
            }
            return (answers, Set(shape.map(\.key)))
        }
        return nil
    }

    /// TruthfulQA's multiple-choice rows: `mc2_targets` (else `mc1_targets`), `{"choices": [...], "labels": [1, 0,
    /// ...]}`, one given answer per choice. Nil for another record.
    private static func multipleChoice(_ fields: [String: Any], path: String, line: Int) throws
        -> (answers: [(text: String, label: Int8, field: String)], keys: Set<String>)?
    {
        let keys = ["mc2_targets", "mc1_targets"]
        guard let key = keys.first(where: { fields[$0] != nil }) else { return nil }
        let target = fields[key] as? [String: Any]
        let rawLabels = target?["labels"] as? [Any]
        let labels = rawLabels?.compactMap { ($0 as? NSNumber)?.doubleValue }.filter { $0 == 0 || $0 == 1 }
        guard let choices = strings(target?["choices"]), let rawLabels, let labels, labels.count == rawLabels.count,
            choices.count == labels.count
        else {
            throw StoreError.jsonl(
                path: path, line: line,
                message: "\"\(key)\" must be {\"choices\": [strings], \"labels\": [1 or 0 each]}, one label per choice")
        }
        var answers: [(text: String, label: Int8, field: String)] = []
        for (choice, label) in zip(choices, labels) {
            let text = choice.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, !answers.contains(where: { $0.text == text }) else { continue }
            try refuseNUL(text, field: key, path: path, line: line)
            answers.append((text, label == 1 ? 1 : 0, key))
        }
        guard answers.contains(where: { $0.label == 1 }), answers.contains(where: { $0.label == 0 }) else {
            throw StoreError.jsonl(
                path: path, line: line, message: "\"\(key)\" needs at least one right and one wrong choice")
        }
        return (answers, Set(keys))
    }

    /// The records of a file that is one JSON document rather than JSON Lines: a JSON array of records, or an
    /// object holding them under `"Data"` (TriviaQA) or `"data"`. Each record's `line` is its 1-based number. Nil
    /// for JSON Lines.
    static func wholeFileRecords(_ data: Data, path: String) throws -> [(fields: [String: Any], line: Int)]? {
        guard let first = data.first(where: { ![0x20, 0x09, 0x0D, 0x0A].contains($0) }) else { return nil }
        let list: [Any]
        if first == UInt8(ascii: "[") {
            guard let array = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
                throw StoreError.jsonl(
                    path: path, line: 1,
                    message: "not valid JSON; a file that starts with '[' must be one JSON array of objects such as "
                        + "{\"question\": \"...\", \"answers\": [\"...\"]}")
            }
            list = array
        } else {
            // TriviaQA's files are one object, on one line or pretty-printed over many.
            guard first == UInt8(ascii: "{") else { return nil }
            let firstLine = data.drop { [0x20, 0x09, 0x0D, 0x0A].contains($0) }.prefix { $0 != UInt8(ascii: "\n") }
            let head = try? JSONSerialization.jsonObject(with: Data(firstLine))
            guard head == nil || (head as? [String: Any])?["question"] == nil,
                let object = (head ?? (try? JSONSerialization.jsonObject(with: data))) as? [String: Any],
                object["question"] == nil, object["Question"] == nil,
                let records = (object["Data"] ?? object["data"]) as? [Any]
            else { return nil }
            list = records
        }
        return try list.enumerated().map { index, record in
            guard let fields = record as? [String: Any] else {
                throw StoreError.jsonl(
                    path: path, line: index + 1,
                    message: "record \(index + 1): expected a JSON object {\"id\", \"question\", \"answers\"}")
            }
            return (fields, index + 1)
        }
    }

    /// TruthfulQA's CSV (columns `Question`, `Best Answer`, `Correct Answers`, `Incorrect Answers`, …): one given
    /// answer per right and wrong answer of each question. Nil for a CSV with another header (statements).
    public static func truthfulQACSV(_ bytes: [UInt8], path: String) throws -> [DatasetExample]? {
        guard isTruthfulQAHeader(bytes) else { return nil }
        var records = try CSVReader.records(bytes, path: path)
        guard !records.isEmpty else { return nil }
        // "Best Answer" → best_answer, as in its Hugging Face rows
        let header = records.removeFirst().fields.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: " ", with: "_")
        }
        guard ["question", "correct_answers", "incorrect_answers"].allSatisfy(header.contains) else { return nil }
        var examples: [DatasetExample] = []
        for record in records where !(record.fields.count == 1 && record.fields[0].isEmpty) {
            guard record.fields.count == header.count else {
                throw StoreError.csv(
                    path: path, line: record.line,
                    message: "expected \(header.count) fields as in the header, found \(record.fields.count)")
            }
            let fields = Dictionary(zip(header, record.fields.map { $0 as Any }), uniquingKeysWith: { a, _ in a })
            examples += try questions(fields, path: path, line: record.line, answersRequired: true)
        }
        guard !examples.isEmpty else {
            throw StoreError.csv(path: path, line: 2, message: "holds no questions after the header line")
        }
        return examples
    }

    /// Whether a CSV's first line names TruthfulQA's columns (a quick look; `truthfulQACSV` checks them all).
    static func isTruthfulQAHeader(_ bytes: [UInt8]) -> Bool {
        let firstLine = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self).lowercased()
        return firstLine.contains("question")
            && (firstLine.contains("correct answers") || firstLine.contains("correct_answers"))
    }
}
