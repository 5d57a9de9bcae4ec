import Foundation
import Testing
import ActivationStore
@testable import Capture

/// Public QA benchmarks are read in the shapes they are distributed in (records written here by hand, in each
/// benchmark's field layout; no benchmark data is in the repository).
@Suite struct BenchmarkShapeTests {
    func parse(_ text: String, answersRequired: Bool = true) throws -> [DatasetExample] {
        try QuestionsReader.parse(Data(text.utf8), path: "b.jsonl", answersRequired: answersRequired)
    }

    func failure(_ text: String) -> (line: Int, message: String)? {
        do { _ = try parse(text) } catch let StoreError.jsonl(_, line, message) { return (line, message) } catch {
            Issue.record("unexpected \(error)")
        }
        return nil
    }

    @Test("NQ-open's answer list, a single answer string, PopQA's list held in a string")
    func answerLists() throws {
        let examples = try parse(
            """
            {"question": "which planet is called the red planet", "answer": ["Mars", "the planet Mars"]}
            {"question": "Who painted the Mona Lisa?", "answer": "Leonardo da Vinci", "id": 4}
            {"id": 7, "subj": "Lyon", "prop": "country", "question": "In what country is Lyon?", "possible_answers": "[\\"France\\", \\"French Republic\\"]", "s_pop": 52000, "o_aliases": "[\\"FR\\"]"}
            """)
        #expect(
            examples.map(\.answers) == [
                ["Mars", "the planet Mars"], ["Leonardo da Vinci"], ["France", "French Republic"],
            ])
        #expect(examples.map(\.label) == [nil, nil, nil] && examples.allSatisfy { $0.response == nil })
        #expect(examples[1].meta == ["id": "4"])
        // PopQA's other columns stay as meta, lists too (they are strings in its TSV); the answers do not.
        #expect(examples[2].meta["subj"] == "Lyon" && examples[2].meta["s_pop"] == "52000")
        #expect(examples[2].meta["o_aliases"] == "[\"FR\"]" && examples[2].meta["possible_answers"] == nil)
        #expect(examples.map(\.line) == [1, 2, 3])
    }

    @Test("TriviaQA: Hugging Face rows (answer object, nested fields left out) and the original {\"Data\": [...]} file")
    func triviaQA() throws {
        let row = try parse(
            """
            {"question": "Which metal is liquid at room temperature?", "question_id": "tq_1", "question_source": "http://example.org", "entity_pages": {"title": ["Mercury"]}, "search_results": {"url": []}, "answer": {"aliases": ["Mercury", "Hg", "Quicksilver"], "normalized_aliases": ["mercury", "hg"], "value": "Quicksilver", "type": "WikipediaEntity"}}
            """)
        #expect(row.count == 1 && row[0].answers == ["Quicksilver", "Mercury", "Hg"])
        #expect(row[0].meta == ["question_id": "tq_1", "question_source": "http://example.org"])
        let original = """
            {"Data": [{"Question": "What is the largest ocean?", "QuestionId": "tq_2", "EntityPages": [], "Answer": {"Aliases": ["Pacific", "Pacific Ocean"], "Value": "Pacific Ocean"}},
                      {"Question": "Who wrote Hamlet?", "QuestionId": "tq_3", "Answer": {"Value": "Shakespeare"}}],
             "Domain": "Web", "Version": 1.0}
            """
        for text in [original, original.replacingOccurrences(of: "\n", with: " ")] {
            let examples = try parse(text)
            #expect(examples.map(\.text) == ["What is the largest ocean?", "Who wrote Hamlet?"])
            #expect(examples.map(\.answers) == [["Pacific Ocean", "Pacific"], ["Shakespeare"]])
            #expect(examples.map { $0.meta["QuestionId"] } == ["tq_2", "tq_3"] && examples.map(\.line) == [1, 2])
        }
    }

    @Test("HaluEval QA: one record gives its right answer (label 1) and its hallucinated one (label 0) to score")
    func haluEval() throws {
        let examples = try parse(
            """
            {"knowledge": "Canberra was chosen as the capital in 1908.", "question": "What is the capital of Australia?", "right_answer": "Canberra", "hallucinated_answer": "Sydney"}
            """)
        #expect(examples.map(\.response) == ["Canberra", "Sydney"] && examples.map(\.label) == [1, 0])
        #expect(examples.allSatisfy { $0.text == "What is the capital of Australia?" && $0.answers.isEmpty })
        #expect(examples.map { $0.meta["response_field"] } == ["right_answer", "hallucinated_answer"])
        #expect(examples[0].meta["knowledge"] == "Canberra was chosen as the capital in 1908.")
        // a record's own field of that name does not hide where each given answer came from
        let renamed = try parse(
            #"{"question": "q", "right_answer": "r", "hallucinated_answer": "h", "response_field": "x"}"#)
        #expect(renamed.map { $0.meta["response_field"] } == ["right_answer", "hallucinated_answer"])
    }

    @Test("TruthfulQA: its rows (lists) and its CSV (\"; \"-separated) give one labelled answer each, repeats once")
    func truthfulQA() throws {
        let row = try parse(
            """
            {"type": "Adversarial", "category": "Misconceptions", "question": "What happens if you swallow gum?", "best_answer": "It passes through you", "correct_answers": ["It passes through you", "Nothing much"], "incorrect_answers": ["It stays in you for seven years"], "source": "https://example.org"}
            """)
        #expect(row.map(\.response) == ["It passes through you", "Nothing much", "It stays in you for seven years"])
        #expect(
            row.map(\.label) == [1, 1, 0]
                && row.map { $0.meta["category"] } == Array(repeating: "Misconceptions", count: 3))
        #expect(row.map { $0.meta["response_field"] } == ["best_answer", "correct_answers", "incorrect_answers"])
        let choices = try parse(
            """
            {"question": "Can pigs fly?", "mc1_targets": {"choices": ["No", "Yes"], "labels": [1, 0]}, "mc2_targets": {"choices": ["No", "No, pigs cannot fly", "Yes"], "labels": [1, 1, 0]}}
            """)
        #expect(choices.map(\.response) == ["No", "No, pigs cannot fly", "Yes"] && choices.map(\.label) == [1, 1, 0])
        #expect(choices.allSatisfy { $0.meta == ["response_field": "mc2_targets"] })
        #expect(
            failure(#"{"question": "q", "mc1_targets": {"choices": ["a", "b"], "labels": [1]}}"#)?.message.contains(
                "one label per choice") == true)
        let csv = """
            Type,Category,Question,Best Answer,Correct Answers,Incorrect Answers,Source
            Adversarial,Misconceptions,What colour is a polar bear's skin?,Black,Black; It is black,White; Pink,https://example.org
            Non-Adversarial,Science,"Is the Sun a star, or a planet?",A star,A star,A planet,https://example.org

            """
        let examples = try #require(try QuestionsReader.truthfulQACSV(Array(csv.utf8), path: "TruthfulQA.csv"))
        #expect(examples.map(\.response) == ["Black", "It is black", "White", "Pink", "A star", "A planet"])
        #expect(examples.map(\.label) == [1, 1, 0, 0, 1, 0] && examples.map(\.line) == [2, 2, 2, 2, 3, 3])
        #expect(examples[4].text == "Is the Sun a star, or a planet?" && examples[4].meta["type"] == "Non-Adversarial")
        // A statement CSV is not taken for TruthfulQA's.
        #expect(try QuestionsReader.truthfulQACSV(Array("statement,label\nx,1\n".utf8), path: "s.csv") == nil)
        #expect(throws: StoreError.self) {
            try QuestionsReader.truthfulQACSV(
                Array("Question,Correct Answers,Incorrect Answers\nq,a,\n".utf8), path: "t.csv")
        }
    }

    @Test("a file that is one JSON array of records; our own records are read as before")
    func jsonArray() throws {
        let examples = try parse(
            """
            [
              {"id": "a", "question": "2+2?", "answers": ["4"]},
              {"id": "b", "question": "Capital of Peru?", "answer": ["Lima"]}
            ]
            """)
        #expect(examples.map(\.answers) == [["4"], ["Lima"]] && examples.map(\.line) == [1, 2])
        // In the project's own format a nested extra field is still an error (it would be lost silently).
        #expect(
            failure("{\"question\": \"x\", \"answers\": [\"a\"], \"topic\": [\"geo\"]}")?.message.contains("\"topic\"")
                == true)
    }

    @Test(
        "malformed benchmark records say what is wrong, with the line or record",
        arguments: [
            ("{\"question\": \"x\", \"answer\": [\"a\", 3]}", 1, "\"answer\" must be an accepted answer"),
            ("{\"question\": \"x\", \"answer\": {\"type\": \"none\"}}", 1, "\"answer\" must be an accepted answer"),
            ("{\"question\": \"x\", \"answer\": []}", 1, "\"answer\" holds no accepted answer"),
            ("{\"question\": \"x\", \"possible_answers\": \"[\\\"a\\\", 1]\"}", 1, "\"possible_answers\" must be"),
            ("{\"question\": \"x\", \"right_answer\": \"a\"}", 1, "needs at least one right and one wrong answer"),
            ("[{\"question\": \"x\", \"answer\": \"a\"}, 5]", 2, "record 2: expected a JSON object"),
            ("[{\"question\": \"x\"", 1, "must be one JSON array"),
            (
                "{\"Data\": [{\"Question\": \"x\", \"Answer\": {\"Aliases\": [\"a\"]}}, {\"Answer\": {\"Value\": \"b\"}}]}",
                2,
                "\"question\""
            ),
            ("{\"question\": \"x\", \"answer\": \"a\\u0000b\"}", 1, "NUL"),
            (
                #"{"question": "q", "mc2_targets": {"choices": ["a", "b"], "labels": [1, 2]}}"#, 1,
                "one label per choice"
            ),
            (#"{"question": "q", "mc2_targets": {"choices": ["a", 5], "labels": [1, 0]}}"#, 1, "one label per choice"),
        ])
    func malformed(text: String, line: Int, fragment: String) {
        let found = failure(text)
        #expect(found?.line == line && found?.message.contains(fragment) == true, "\(String(describing: found))")
    }

    @Test("capture's dataset loader takes a benchmark file (.json) as questions")
    func datasetLoad() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("nq_open.json").path
        try Data("[{\"question\": \"capital of peru\", \"answer\": [\"Lima\"]}]".utf8).write(
            to: URL(fileURLWithPath: path))
        let dataset = try Dataset.load(path: path)
        #expect(
            dataset.kind == .questions && dataset.examples.map(\.answers) == [["Lima"]] && dataset.name == "nq_open")
        let csv = dir.appendingPathComponent("TruthfulQA.csv").path
        try Data("Question,Best Answer,Correct Answers,Incorrect Answers\nq?,yes,yes,no\n".utf8)
            .write(to: URL(fileURLWithPath: csv))
        let truthful = try Dataset.load(path: csv)
        #expect(truthful.kind == .questions && truthful.examples.map(\.label) == [1, 0])
        #expect(truthful.metaColumns == ["response_field"])
        #expect(Dataset.kind(path: csv) == .questions && Dataset.kind(path: path) == .questions)
        let statements = dir.appendingPathComponent("s.csv").path
        try Data("statement,label\nParis is in France.,1\n".utf8).write(to: URL(fileURLWithPath: statements))
        #expect(try Dataset.load(path: statements).kind == .statements && Dataset.kind(path: statements) == .statements)
        #expect(Dataset.kind(path: dir.appendingPathComponent("x.txt").path) == nil)
    }
}
