import Foundation
import Testing
@testable import Capture

@Suite("Answer grading: numbers, dates, units, aliases, refusals") struct AnswerGraderTests {
    static func verdict(_ answer: String, _ accepted: [String]) -> AnswerGrader.Verdict {
        AnswerGrader.grade(answer, accepted: accepted).verdict
    }

    @Test(
        "normalised forms",
        arguments: [
            ("July 4th, 1976", "1976-07-04"),
            ("the fourth of July 1976", "1976-07-04"),
            ("1976-07-04", "1976-07-04"),
            ("On the twenty-first of March", "on --03-21"),
            ("400cm", "400 cm"),
            ("2.50 kilometres", "2.5 km"),
            ("2.6 million", "2600000"),
            ("St. Louis", "saint louis"),
            ("Bogotá, Colombia", "bogota colombia"),
            ("It was founded in May", "it was founded in may"),
        ])
    func forms(input: String, expected: String) {
        #expect(AnswerGrader.normalize(input) == expected)
    }

    @Test("numbers: digits, words, digit groups, decimals and scales agree; a different number does not")
    func numbers() {
        #expect(Self.verdict("The answer is twelve.", ["12"]) == .correct)
        #expect(Self.verdict("7 times 8 is 56", ["fifty-six"]) == .correct)
        #expect(Self.verdict("It is one hundred and twenty-two.", ["122"]) == .correct)
        #expect(Self.verdict("That makes 2,600,000 centimetres.", ["2600000"]) == .correct)
        #expect(Self.verdict("About 2.6 million", ["2600000"]) == .correct)
        #expect(Self.verdict("The code is +33.", ["+33", "0033"]) == .correct)
        #expect(Self.verdict("Dial thirty-three", ["+33"]) == .correct)
        #expect(Self.verdict("The answer is 2.50", ["2.5"]) == .correct)
        #expect(Self.verdict("It is 122.5", ["122"]) == .incorrect)
        #expect(Self.verdict("The answer is 1220.", ["122"]) == .incorrect)
        #expect(Self.verdict("twenty one", ["20"]) == .incorrect)
    }

    @Test("dates: any common spelling of the same day; a year matches a date in that year")
    func dates() {
        let accepted = ["16 December 1930", "December 16, 1930", "1930-12-16"]
        for answer in [
            "It will be December 16th, 1930.", "16/12? No: the 16th of December, 1930", "1930-12-16",
            "the sixteenth of December 1930", "Dec 16 1930",
        ] {
            #expect(Self.verdict(answer, accepted) == .correct, "\(answer)")
        }
        #expect(Self.verdict("December 17, 1930", accepted) == .incorrect)
        #expect(Self.verdict("16 December 1931", accepted) == .incorrect)
        #expect(Self.verdict("December 16", accepted) == .incorrect)  // no year: not the full date
        #expect(Self.verdict("Ohio became a state on March 1, 1803.", ["1803"]) == .correct)
        #expect(Self.verdict("Ohio became a state in 1804.", ["1803"]) == .incorrect)
    }

    @Test("units: names, plurals, spellings and symbols agree; the number must still be right")
    func units() {
        let accepted = ["400", "four hundred", "400 centimetres", "400 cm"]
        #expect(Self.verdict("There are 400 centimeters in 4 metres.", accepted) == .correct)
        #expect(Self.verdict("400cm", ["400 centimetres"]) == .correct)
        #expect(Self.verdict("10 yards is 30 feet", ["30 ft"]) == .correct)
        #expect(Self.verdict("5 hours is 300 mins", ["300 minutes"]) == .correct)
        #expect(Self.verdict("There are 40 centimetres in 4 metres.", accepted) == .incorrect)
        #expect(Self.verdict("30 yards", ["30 ft"]) == .incorrect)
    }

    @Test("aliases, articles, accents and abbreviations")
    func aliases() {
        let washington = ["Washington, D.C.", "Washington DC", "Washington D.C."]
        #expect(Self.verdict("The capital is Washington DC.", washington) == .correct)
        // "d c" ≠ "dc": list both
        #expect(Self.verdict("The capital is Washington, D.C.", ["Washington DC"]) == .incorrect)
        #expect(AnswerGrader.grade("It's Washington, D.C.", accepted: washington).matched == "Washington, D.C.")
        #expect(Self.verdict("The Netherlands' seat of government is The Hague", ["Hague"]) == .correct)
        #expect(Self.verdict("Saint Petersburg is in Russia", ["St. Petersburg"]) == .correct)
        #expect(Self.verdict("Its capital is Bogota.", ["Bogotá"]) == .correct)
        #expect(Self.verdict("Its capital is Bogotá.", ["Bogota"]) == .correct)
        #expect(Self.verdict("Parisian food", ["Paris"]) == .incorrect)
    }

    @Test("short codes match case-sensitively: a pronoun or preposition is not a symbol or a state code")
    func shortCodes() {
        #expect(Self.verdict("The symbol for gold is Au.", ["Au"]) == .correct)
        #expect(Self.verdict("au revoir, the symbol is AU", ["Au"]) == .incorrect)
        #expect(Self.verdict("It lives in water", ["IN"]) == .incorrect)
        #expect(Self.verdict("Indiana is IN.", ["IN"]) == .correct)
        #expect(Self.verdict("The code is CZ", ["CZ"]) == .correct)
        #expect(Self.verdict("the code is cz", ["CZ"]) == .incorrect)
        #expect(Self.verdict("The symbol is w", ["W"]) == .incorrect)
        #expect(
            AnswerGrader.isShortCode("Fe") && AnswerGrader.isShortCode("USA") && !AnswerGrader.isShortCode("Lev")
                && !AnswerGrader.isShortCode("U.K.") && !AnswerGrader.isShortCode("Paris"))
    }

    @Test(
        "refusals and \"I don't know\" are their own class",
        arguments: [
            "I don't know.",
            "I'm not sure what the capital of Burkina Faso is.",
            "I'm sorry, but I don't have information about that country.",
            "As an AI, I cannot browse the internet to look that up.",
            "I do not know the answer to that question.",
            "Unfortunately I am unable to answer that.",
            "I have no idea!",
        ])
    func refusals(answer: String) {
        let grade = AnswerGrader.grade(answer, accepted: ["Ouagadougou"])
        #expect(grade.verdict == .refused && grade.label == -1 && grade.verdict.name == "refused")
    }

    @Test("a hedged guess is an answer: right when right, wrong when wrong; a refusal later on does not count")
    func hedges() {
        #expect(Self.verdict("I'm not sure, but I think it is Lyon.", ["Paris"]) == .incorrect)
        #expect(Self.verdict("I'm not sure, but it is Paris.", ["Paris"]) == .correct)
        #expect(Self.verdict("I don't know. It might be Lyon.", ["Paris"]) == .incorrect)
        #expect(Self.verdict("Lyon is the capital. I'm not sure about its population.", ["Paris"]) == .incorrect)
        #expect(Self.verdict("The capital is Lyon.", ["Paris"]).label == 0)
        #expect(Self.verdict("It is Paris.", ["Paris"]).label == 1)
    }

    @Test("a run-on answer is graded on its own turn: an invented next Question/Answer turn does not count")
    func runOnTurns() {
        #expect(
            Self.verdict("English\n\nQuestion: What is spoken in Guinea?\nAnswer: French", ["French"]) == .incorrect)
        #expect(Self.verdict(" French\n\nQuestion: What is spoken in Mali?\nAnswer: Bambara", ["French"]) == .correct)
        #expect(Self.verdict("\nQuestion: What is spoken in Guinea?\nAnswer: French", ["French"]) == .incorrect)
        #expect(Self.verdict("French.\nThe question: which language? French", ["French"]) == .correct)
        #expect(AnswerGrader.ownTurn("Paris\nQuestion: x") == "Paris" && AnswerGrader.ownTurn("Paris") == "Paris")
    }

    /// The committed fact-question files, when present (they are in the repository).
    static func factRecords() throws -> [DatasetExample] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../datasets")
            .standardized
        return try [
            "factqa_train.jsonl", "factqa_train2.jsonl", "factqa_train3.jsonl", "factqa_train4.jsonl",
            "factqa_test.jsonl", "factqa_test2.jsonl", "factqa_test3.jsonl", "factqa_test4.jsonl",
        ].flatMap {
            try QuestionsReader.read(path: root.appendingPathComponent($0).path)
        }
    }

    @Test("every fact question: each accepted answer grades itself right, and the question alone is not graded right")
    func factFiles() throws {
        let records = try Self.factRecords()
        #expect(records.count >= 13300)
        #expect(Set(records.compactMap { $0.meta["topic"] }).count >= 49)
        var echoes: [String] = [], unmatched: [String] = []
        for record in records {
            if AnswerGrader.grade(record.text, accepted: record.answers).correct { echoes.append(record.text) }
            for answer in record.answers where !AnswerGrader.grade("It is \(answer).", accepted: [answer]).correct {
                unmatched.append("\(record.meta["id"] ?? "?"): \(answer)")
            }
        }
        #expect(echoes.isEmpty, "questions graded right by echoing themselves: \(echoes.prefix(5))")
        #expect(unmatched.isEmpty, "accepted answers that do not match themselves: \(unmatched.prefix(5))")
    }
}

/// Answers the committed test set once graded wrong although right (found in the 1.5B's confidently "wrong" answers,
/// fixed in datasets/generators 2026-12-06): each must grade right against its row's accepted answers.
@Suite struct FactTestGradingFixTests {
    @Test(
        "endonyms and other names of official languages are accepted; the US-state capital question names the state",
        arguments: [
            ("official_languages:BD", "Bengali is an official language of Bangladesh."),
            ("official_languages:MV", "The official language of the Maldives is Dhivehi."),
            ("official_languages:MY", "The official language of Malaysia is Bahasa Melayu."),
            ("official_languages:ZA", "Afrikaans is one of South Africa's official languages."),
            ("official_languages:ZA", "isiZulu."),
            ("official_languages:LS", "Sesotho."),
        ])
    func accepted(id: String, answer: String) throws {
        let row = try #require(try AnswerGraderTests.factRecords().first { $0.meta["id"] == id })
        #expect(AnswerGrader.grade(answer, accepted: row.answers).correct, "\(id): \(row.answers)")
    }

    @Test(
        "factqa_test2: the counterparts WordNet does not name are accepted",
        arguments: [
            ("deity_counterparts:09570522", "In Greek mythology, the god who matched the Roman Dis was Hades."),
            ("deity_counterparts:09568241", "The Roman god who was the counterpart of the Greek Pan is Faunus."),
        ])
    func counterparts(id: String, answer: String) throws {
        try accepted(id: id, answer: answer)
    }

    @Test("factqa_test3: a name is right in full, and a bare surname another person shares does not make it right")
    func names() throws {
        let row = try #require(
            try AnswerGraderTests.factRecords().first { $0.meta["id"] == "figures_described:11076965" })
        #expect(AnswerGrader.grade("That was Michael Jackson.", accepted: row.answers).correct, "\(row.answers)")
        #expect(!AnswerGrader.grade("That was Andrew Jackson.", accepted: row.answers).correct, "\(row.answers)")
        #expect(!AnswerGrader.grade("Jackson.", accepted: row.answers).correct, "\(row.answers)")
    }

    @Test(
        "factqa_test4: a spelling two presidents share is right only for the one it names in full; no quiz joke accepted",
        arguments: [
            ("president_successors:james_monroe", "John Quincy Adams", true),
            ("president_successors:james_monroe", "John Adams", false),
            ("president_successors:james_monroe", "Adams", false),
            ("president_successors:george_washington", "John Adams", true),
            ("president_successors:george_washington", "John Quincy Adams", false),
            ("president_successors:ronald_wilson_reagan", "George H. W. Bush", true),
            ("president_successors:ronald_wilson_reagan", "George W. Bush", false),
            ("president_successors:ronald_wilson_reagan", "George Bush", false),
            ("president_successors:george_herbert_walker_bush", "Bill Clinton", true),
            ("killers:john_f_kennedy", "Lee Harvey Oswald", true),
            ("killers:john_f_kennedy", "the CIA", false),
        ])
    func quizNames(id: String, answer: String, right: Bool) throws {
        let row = try #require(try AnswerGraderTests.factRecords().first { $0.meta["id"] == id })
        #expect(AnswerGrader.grade("It was \(answer).", accepted: row.answers).correct == right, "\(row.answers)")
    }

    @Test("factqa_test2 asks no dependent territory's country, no scandal's year, no battle by a bare place name")
    func test2Subjects() throws {
        let topics: Set = ["place_countries", "mountain_ranges", "event_years", "deity_counterparts"]
        let rows = try AnswerGraderTests.factRecords().filter { topics.contains($0.meta["topic"] ?? "") }
        let subjects = Set(rows.compactMap { $0.meta["subject"] })
        for gone in ["Guam", "Norfolk Island", "Watergate", "Teapot Dome"] {
            #expect(!subjects.contains(gone), "\(gone) is still asked")
        }
        let iwo = try #require(rows.first { $0.meta["topic"] == "event_years" && $0.meta["subject"] == "Iwo" })
        #expect(iwo.text.contains("Battle of Iwo Jima"), "\(iwo.text)")
    }

    @Test("no US-state capital question can be read as asking about the country Georgia")
    func georgia() throws {
        let row = try #require(try AnswerGraderTests.factRecords().first { $0.meta["id"] == "us_state_capitals:GA" })
        #expect(row.text.contains("state"), "\(row.text)")
    }
}
