import ActivationStore
import Foundation

/// Reads question datasets for generation: JSON Lines, one object per line,
/// `{"id": "q1", "question": "...", "answers": ["accepted", ...]}`. Blank lines are skipped. Other fields
/// (`id`, `topic`, `split`…) must be strings or numbers and are kept as `meta` (stored under `/examples/meta`).
/// A record with `"response": "..."` gives the answer to score instead of generating one (teacher forcing; for
/// benchmarks of given right and wrong answers); it is graded against `answers`, or takes an explicit `"label"`
/// (1/0 or true/false), and then `answers` may be left out. Readers that only ask (`polygraph ask`) pass
/// `answersRequired: false`: a question without `answers` is then asked and not graded. Records of public QA
/// benchmarks are read as they are distributed (`QuestionsReader+Benchmarks.swift`).
public enum QuestionsReader {
    /// Parses `path`; errors carry the 1-based line number and say what is wrong.
    public static func read(path: String, answersRequired: Bool = true) throws -> [DatasetExample] {
        if let problem = RegularFile.problem(path) {  // it used to say "no such file"
            throw StoreError.jsonl(path: path, line: 1, message: "\(problem), not a JSONL file")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw StoreError.fileNotFound(path: path)
        }
        return try parse(data, path: path, answersRequired: answersRequired)
    }

    /// Parses JSONL bytes (`path` only names the source in errors). A file that is one JSON array of records, or
    /// TriviaQA's `{"Data": [...]}`, is read too (`QuestionsReader+Benchmarks.swift`), as are the field names of
    /// public QA benchmarks.
    public static func parse(_ data: Data, path: String, answersRequired: Bool = true) throws -> [DatasetExample] {
        var examples: [DatasetExample] = []
        for record in try records(data, path: path) {
            examples += try questions(record.fields, path: path, line: record.line, answersRequired: answersRequired)
        }
        // An empty capture used to succeed with 0 examples (and `ask` to print an empty table).
        guard !examples.isEmpty else {
            throw StoreError.jsonl(
                path: path, line: 1,
                message: "holds no questions (the file is empty or has only "
                    + "blank lines); expected one JSON object per line")
        }
        return examples
    }

    /// The JSON objects of a JSONL file, each with its 1-based line (or, in a whole-file JSON, its record number).
    static func records(_ data: Data, path: String) throws -> [(fields: [String: Any], line: Int)] {
        if let whole = try wholeFileRecords(data, path: path) { return whole }
        var records: [(fields: [String: Any], line: Int)] = []
        var lineNumber = 0
        for lineBytes in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = Data(lineBytes)
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard String(data: line, encoding: .utf8) != nil else {
                throw StoreError.jsonl(
                    path: path, line: lineNumber,
                    message: "is not valid UTF-8; convert the file "
                        + "(e.g. iconv -f latin1 -t utf-8 in.jsonl > out.jsonl)")
            }
            // Foundation's own parse error says nothing useful ("The operation could not be completed").
            guard let object = try? JSONSerialization.jsonObject(with: line) else {
                throw StoreError.jsonl(
                    path: path, line: lineNumber,
                    message: "not valid JSON; each line must be one "
                        + "JSON object such as {\"question\": \"...\", \"answers\": [\"...\"]}")
            }
            guard let fields = object as? [String: Any] else {
                throw StoreError.jsonl(
                    path: path, line: lineNumber, message: "expected a JSON object {\"id\", \"question\", \"answers\"}")
            }
            records.append((fields, lineNumber))
        }
        return records
    }

    /// One record's questions: one, or one per given answer of a HaluEval or TruthfulQA record.
    static func questions(_ fields: [String: Any], path: String, line: Int, answersRequired: Bool) throws
        -> [DatasetExample]
    {
        let questionKey = fields["question"] == nil && fields["Question"] != nil ? "Question" : "question"
        guard let question = fields[questionKey] as? String, !question.isEmpty else {
            throw StoreError.jsonl(path: path, line: line, message: "missing or empty string field \"question\"")
        }
        try refuseNUL(question, field: questionKey, path: path, line: line)
        if let given = try givenAnswers(fields, path: path, line: line) {
            let meta = try extraFields(
                fields, reserved: given.keys.union([questionKey]), benchmark: true, path: path, line: line)
            return given.answers.map { answer in
                var example = DatasetExample(
                    text: question, label: answer.label,
                    meta: meta.merging(["response_field": answer.field]) { _, ours in ours },
                    line: line)
                example.response = answer.text
                return example
            }
        }
        let response = try givenResponse(fields, path: path, line: line)
        let label = response == nil ? nil : try givenLabel(fields, path: path, line: line)
        let optional = label != nil || !answersRequired
        var reserved: Set<String> = [questionKey, "answers"]
        if response != nil { reserved.formUnion(["response", "label"]) }
        var strings: [String]
        var benchmark = false
        if fields["answers"] == nil, let found = try benchmarkAnswers(fields, path: path, line: line) {
            guard !found.answers.isEmpty || optional else {
                throw StoreError.jsonl(
                    path: path, line: line, message: "\"\(found.key)\" holds no accepted answer string")
            }
            strings = found.answers
            reserved.insert(found.key)
            benchmark = true
        } else {
            strings = try acceptedAnswers(fields, optional: optional, path: path, line: line)
        }
        let meta = try extraFields(
            fields, reserved: reserved, benchmark: benchmark || questionKey == "Question", path: path, line: line)
        var example = DatasetExample(text: question, label: label, meta: meta, answers: strings, line: line)
        example.response = response
        return [example]
    }

    /// Fields other than `reserved` become `meta`: strings and numbers; a nested value is an error in the project's
    /// own format, and is left out of a benchmark's record (TriviaQA's search results and entity pages).
    private static func extraFields(
        _ fields: [String: Any], reserved: Set<String>, benchmark: Bool, path: String, line: Int
    ) throws -> [String: String] {
        var meta: [String: String] = [:]
        for (key, value) in fields where !reserved.contains(key) {
            switch value {
            case let text as String: meta[key] = text
            case let number as NSNumber: meta[key] = number.stringValue
            case is NSNull: continue
            case _ where benchmark: continue
            default:
                throw StoreError.jsonl(
                    path: path, line: line,
                    message: "\"\(key)\" must be a string or a number (extra fields become /examples/meta columns)")
            }
        }
        return meta
    }

    /// `answers`: a non-empty array of strings; with `optional` (a given response with its own label) it may be
    /// absent.
    private static func acceptedAnswers(_ fields: [String: Any], optional: Bool, path: String, line: Int) throws
        -> [String]
    {
        if optional && (fields["answers"] == nil || fields["answers"] is NSNull) { return [] }
        guard let answers = fields["answers"] as? [Any], !answers.isEmpty || optional else {
            throw StoreError.jsonl(
                path: path, line: line,
                message: "\"answers\" must be a non-empty array of accepted answer strings"
                    + " (or give \"response\" with a \"label\")")
        }
        guard let strings = strings(answers) else {
            throw StoreError.jsonl(path: path, line: line, message: "every entry of \"answers\" must be a string")
        }
        return strings
    }

    /// A JSON array whose entries are all strings, as `[String]`; nil for any other value.
    static func strings(_ value: Any?) -> [String]? {
        guard let list = value as? [Any] else { return nil }
        let strings = list.compactMap { $0 as? String }
        return strings.count == list.count ? strings : nil
    }

    /// `response`: the given answer to score, or nil when the model is to generate one.
    private static func givenResponse(_ fields: [String: Any], path: String, line: Int) throws -> String? {
        guard let value = fields["response"], !(value is NSNull) else { return nil }
        guard let text = value as? String else {
            throw StoreError.jsonl(
                path: path, line: line, message: "\"response\" must be a string (the answer to score)")
        }
        try refuseNUL(text, field: "response", path: path, line: line)
        return text
    }

    /// A NUL would cut the stored text while the model saw all of it (hardening defect 11).
    static func refuseNUL(_ text: String, field: String, path: String, line: Int) throws {
        guard !text.unicodeScalars.contains("\u{0}") else {
            throw StoreError.jsonl(
                path: path, line: line,
                message: "\"\(field)\" holds a NUL character (\\u0000); remove it (stored text would be cut there)")
        }
    }

    /// `label` beside a given response: 1/0 or true/false; nil when absent (the response is then graded).
    private static func givenLabel(_ fields: [String: Any], path: String, line: Int) throws -> Int8? {
        guard let value = fields["label"], !(value is NSNull) else { return nil }
        if let number = value as? NSNumber {  // JSON true and false arrive as NSNumber 1 and 0
            if number.doubleValue == 1 { return 1 }
            if number.doubleValue == 0 { return 0 }
        }
        throw StoreError.jsonl(
            path: path, line: line,
            message: "\"label\" of a given response must be 1 or 0 (or true or false): whether the response is right")
    }
}
