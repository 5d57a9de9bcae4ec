import Foundation
import Testing
import ActivationStore
@testable import Capture

@Suite("Dataset input") struct DatasetInputTests {
    @Test("CSV: header, RFC 4180 quoting, CRLF, extra columns kept, 1/0/true/false labels")
    func csvParsing() throws {
        let text =
            "\u{FEFF}statement,label,country\r\n" + "\"The city of Paris, France is big.\",1,France\r\n"
            + "\"He said \"\"hi\"\"\nacross lines\",false,\"\"\r\n" + "\n" + "Plain,TRUE,Spain"
        let table = try CSVReader.parse(Array(text.utf8), path: "t.csv")
        #expect(table.metaColumns == ["country"])
        #expect(
            table.examples.map(\.text) == [
                "The city of Paris, France is big.", "He said \"hi\"\nacross lines", "Plain",
            ])
        #expect(table.examples.map(\.label) == [1, 0, 1])
        #expect(table.examples.map(\.line) == [2, 3, 6])
        #expect(table.examples.map { $0.meta["country"] } == ["France", "", "Spain"])
    }

    @Test("labels written by pandas as 1.0 / 0.0 (any float spelling of 1 and 0) are accepted (hardening defect 17)")
    func floatLabels() throws {
        let text = "statement,label\na,1.0\nb,0.0\nc,1.00\nd,0e0\ne,-0.0\n"
        #expect(try CSVReader.parse(Array(text.utf8), path: "p.csv").examples.map(\.label) == [1, 0, 1, 0, 0])
    }

    @Test(
        "CSV errors name the line and what is wrong",
        arguments: [
            ("statement,label\nok,1\nbad,maybe\n", 3, "label 'maybe'"),
            ("statement,label\nok,1.0\nbad,0.5\n", 3, "label '0.5'"),
            ("statement,label\nok,1\nbad,nan\n", 3, "label 'nan'"),
            ("statement,label\nok,1\ntoo,many,fields\n", 3, "expected 2 fields"),
            ("statement,label\n\"never closed,1\n", 2, "never closed"),
            ("text,truth\nx,1\n", 1, "header must name"),
            ("", 1, "empty file"),
            ("statement,label\n\"a\"b,1\n", 2, "after a closing quote"),
        ])
    func csvErrors(text: String, line: Int, fragment: String) {
        #expect {
            _ = try CSVReader.parse(Array(text.utf8), path: "d.csv")
        } throws: { error in
            guard case let StoreError.csv(path, found, message) = error else { return false }
            return path == "d.csv" && found == line && message.contains(fragment)
        }
    }

    @Test("the real Geometry-of-Truth cities set parses with its metadata columns")
    func realDataset() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../../shared/datasets/geometry-of-truth/cities.csv"
        ).standardized.path
        guard FileManager.default.fileExists(atPath: path) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("missing \(path) in CI") }
            return
        }
        let dataset = try Dataset.load(path: path)
        #expect(dataset.name == "cities" && dataset.kind == .statements)
        #expect(dataset.examples.count == 1496)
        #expect(dataset.metaColumns == ["city", "country", "correct_country"])
        #expect(dataset.examples[0].meta["country"] == "Russia")
    }

    @Test("JSONL questions: ids, answers, blank lines; errors carry line numbers")
    func questions() throws {
        let good =
            "{\"id\": \"q1\", \"question\": \"Capital of France?\", \"answers\": [\"Paris\"]}\n\n"
            + "{\"id\": 7, \"question\": \"2+2?\", \"answers\": [\"4\", \"four\"]}\n"
        let examples = try QuestionsReader.parse(Data(good.utf8), path: "q.jsonl")
        #expect(examples.map(\.text) == ["Capital of France?", "2+2?"])
        #expect(examples.map { $0.meta["id"] } == ["q1", "7"])
        #expect(examples[1].answers == ["4", "four"] && examples[1].line == 3 && examples[1].label == nil)
        for (text, line, fragment) in [
            ("{\"question\": \"x\", \"answers\": [\"a\"]}\n{not json}\n", 2, "not valid JSON"),
            ("{\"question\": \"x\", \"answers\": []}\n", 1, "non-empty array"),
            ("{\"answers\": [\"a\"]}\n", 1, "\"question\""),
            ("[1, 2]\n", 1, "expected a JSON object"),
            ("{\"question\": \"x\", \"answers\": [\"a\", 3]}\n", 1, "must be a string"),
            (
                "{\"question\": \"x\", \"answers\": [\"a\"], \"topic\": [\"geo\"]}\n", 1,
                "\"topic\" must be a string or a number"
            ),
            (
                "{\"question\": \"x\", \"answers\": [\"a\"], \"id\": {\"n\": 1}}\n", 1,
                "\"id\" must be a string or a number"
            ),
        ] {
            #expect(throws: StoreError.self) { try QuestionsReader.parse(Data(text.utf8), path: "q.jsonl") }
            do { _ = try QuestionsReader.parse(Data(text.utf8), path: "q.jsonl") } catch let StoreError.jsonl(
                _, found, message)
            {
                #expect(found == line && message.contains(fragment), "\(message)")
            } catch { Issue.record("unexpected \(error)") }
        }
    }

    @Test("questions to ask need no accepted answers; capture still asks for them")
    func questionsWithoutAnswers() throws {
        let text = "{\"question\": \"Capital of France?\"}\n{\"question\": \"2+2?\", \"answers\": [\"4\"]}\n"
        let asked = try QuestionsReader.parse(Data(text.utf8), path: "q.jsonl", answersRequired: false)
        #expect(asked.map(\.text) == ["Capital of France?", "2+2?"])
        #expect(asked[0].answers.isEmpty && asked[1].answers == ["4"] && asked[0].label == nil)
        #expect(throws: StoreError.self) { try QuestionsReader.parse(Data(text.utf8), path: "q.jsonl") }
        let badType = "{\"question\": \"x\", \"answers\": [\"a\", 3]}\n"
        #expect(throws: StoreError.self) {
            try QuestionsReader.parse(Data(badType.utf8), path: "q.jsonl", answersRequired: false)
        }
    }

    @Test(
        "normalisation: case, punctuation, articles, number words, digit groups",
        arguments: [
            ("The Eiffel Tower!", "eiffel tower"),
            ("Twenty-one", "21"),
            ("one hundred and five apples", "105 apples"),
            ("1,000 people", "1000 people"),
            ("a thousand", "1000"),
            ("one two", "1 2"),
            ("  An   apple,\tplease ", "apple please"),
            ("nineteen hundred", "1900"),
        ])
    func normalisation(input: String, expected: String) {
        #expect(AnswerGrader.normalize(input) == expected)
    }

    @Test("grading: whole-word match of any accepted answer")
    func grading() {
        #expect(AnswerGrader.grade("The capital of France is Paris.", accepted: ["Paris"]).correct)
        #expect(AnswerGrader.grade("It has twenty-one members", accepted: ["21"]).matched == "21")
        #expect(AnswerGrader.grade("There are 4 seasons", accepted: ["four"]).correct)
        #expect(!AnswerGrader.grade("Parisian food is good", accepted: ["Paris"]).correct)
        #expect(!AnswerGrader.grade("It is 210", accepted: ["21"]).correct)
        #expect(AnswerGrader.grade("New York City", accepted: ["Boston", "new york"]).label == 1)
        #expect(AnswerGrader.grade("I don't know", accepted: ["the"]).matched == nil)  // an article alone never matches
        #expect(AnswerGrader.grade("Lyon", accepted: ["the"]).label == 0)
    }

    /// Hardening issue, defect 11: a NUL used to cut the stored text; Latin-1 became U+FFFD silently.
    @Test("a NUL or non-UTF-8 byte in a CSV, or a NUL in a JSONL question, is an error naming the line")
    func hostileText() {
        let nul: [UInt8] = Array("statement,label\nok,1\nPar".utf8) + [0] + Array("is is in France.,1\n".utf8)
        let latin1: [UInt8] =
            Array("statement,label\nok,1\nZ".utf8) + [0xFC] + Array("rich is in Switzerland.,1\n".utf8)
        for (bytes, fragment) in [(nul, "NUL"), (latin1, "UTF-8")] {
            #expect {
                _ = try CSVReader.parse(bytes, path: "d.csv")
            } throws: { error in
                guard case let StoreError.csv(_, line, message) = error else { return false }
                return line == 3 && message.contains(fragment)
            }
        }
        let jsonl =
            "{\"id\": \"a\", \"question\": \"ok?\", \"answers\": [\"x\"]}\n"
            + "{\"id\": \"b\", \"question\": \"Par\\u0000is?\", \"answers\": [\"x\"]}\n"
        #expect {
            _ = try QuestionsReader.parse(Data(jsonl.utf8), path: "q.jsonl")
        } throws: { error in
            guard case let StoreError.jsonl(_, line, message) = error else { return false }
            return line == 2 && message.contains("NUL")
        }
    }
}
