import ActivationStore
import Foundation

/// One input example: a statement with its label (CSV), or a question with accepted answers (JSONL).
public struct DatasetExample: Equatable, Sendable {
    /// The statement, or the question.
    public var text: String
    /// 1 true, 0 false for statements; nil for questions (graded after generation), or a given response's label.
    public var label: Int8?
    /// Extra columns (CSV) or extra fields such as `id` and `topic` (JSONL), stored under `/examples/meta`.
    public var meta: [String: String]
    /// Accepted answers (questions only).
    public var answers: [String]
    /// A given answer to score by teacher forcing instead of generating one (questions only).
    public var response: String?
    /// 1-based line in the source file where the example starts.
    public var line: Int

    public init(text: String, label: Int8?, meta: [String: String] = [:], answers: [String] = [], line: Int) {
        self.text = text
        self.label = label
        self.meta = meta
        self.answers = answers
        self.line = line
    }
}

/// A dataset file loaded for capture: statements (`.csv`) or questions (`.jsonl`).
public struct Dataset: Sendable {
    public enum Kind: String, Sendable { case statements, questions }

    /// The file stem, stored as `/examples/source`.
    public var name: String
    public var path: String
    public var kind: Kind
    public var examples: [DatasetExample]
    /// Extra column names in file order (CSV), for `inspect` and meta storage.
    public var metaColumns: [String]

    /// Loads a `.csv` (statements; TruthfulQA's CSV: questions) or `.jsonl` (questions) file, chosen by extension.
    public static func load(path: String) throws -> Dataset {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.fileNotFound(path: path) }
        let url = URL(fileURLWithPath: path)
        let name = url.deletingPathExtension().lastPathComponent
        switch url.pathExtension.lowercased() {
        case "csv":
            // Only a TruthfulQA header (`kind` reads the first 64 KB) makes the file be read as questions; a FIFO or
            // device is left to CSVReader's error, as reading it here could block.
            if kind(path: path) == .questions, RegularFile.problem(path) == nil,
                let data = FileManager.default.contents(atPath: path),
                let questions = try QuestionsReader.truthfulQACSV([UInt8](data), path: path)
            {
                return Dataset(
                    name: name, path: path, kind: .questions, examples: questions,
                    metaColumns: metaColumns(questions))
            }
            let table = try CSVReader.read(path: path)
            return Dataset(
                name: name, path: path, kind: .statements, examples: table.examples, metaColumns: table.metaColumns)
        case "jsonl", "json", "ndjson":
            let examples = try QuestionsReader.read(path: path)
            return Dataset(
                name: name, path: path, kind: .questions, examples: examples, metaColumns: metaColumns(examples))
        default:
            throw StoreError.invalidArgument(
                what: "dataset \(path)",
                detail:
                    "unknown extension '.\(url.pathExtension)'; use .csv (statement,label) or .jsonl (id, question, answers)"
            )
        }
    }

    /// What `load` will read from `path`, from its extension and (a CSV) its header line only; nil for an unknown
    /// extension.
    public static func kind(path: String) -> Kind? {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "jsonl", "json", "ndjson": return .questions
        case "csv":
            guard RegularFile.problem(path) == nil, let file = FileHandle(forReadingAtPath: path) else {
                return .statements
            }
            defer { try? file.close() }
            let head = (try? file.read(upToCount: 1 << 16)) ?? Data()
            return QuestionsReader.isTruthfulQAHeader(Array(head)) ? .questions : .statements
        default: return nil
        }
    }

    /// Questions' extra fields: every one, "id" first, then by name.
    private static func metaColumns(_ examples: [DatasetExample]) -> [String] {
        Set(examples.flatMap(\.meta.keys)).sorted { a, b in a == "id" || (b != "id" && a < b) }
    }
}
