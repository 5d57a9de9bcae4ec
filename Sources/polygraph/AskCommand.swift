// `polygraph ask`: questions answered by the model through the gate, one line each with P(true) and the flag;
// with accepted answers (JSONL), each answer is also graded so you can see which made-up answers were caught.
import Capture
import ArgumentParser
import Foundation
import Gate
import Inference
import Probes

struct AskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Ask questions through the gate: answer, P(true), flag, and (with accepted answers) right or wrong.",
        discussion: """
            Questions come from --question (repeatable) or a JSONL file (--questions) in the capture format \
            {"id", "question", "answers": [...]} (without "answers" a question is asked and not graded). Each is \
            sent as a user turn with the model's chat template \
            (a model without one, a base model, is asked "Question: …\\nAnswer:" and its answer ends where it \
            starts inventing the next question, as capture asks it), answered greedily, and scored by the probe \
            during that same generation pass.
            """)

    @Option(
        help:
            "Probe artifact (JSON) from `polygraph train` (default: the probe under --probes-dir trained on this model, answers.json first)."
    )
    var probe: String?

    @OptionGroup var loading: GateLoadOptions

    @Option(help: "A question (repeatable).")
    var question: [String] = []

    @Option(
        help:
            "JSONL file of questions, {\"question\": ...}, each with its accepted answers (\"answers\": [...]) to be graded, or without them."
    )
    var questions: String?

    @Option(help: "Longest answer, in tokens.")
    var maxTokens = 48

    @Option(help: "Questions answered together, sharing each decode step (1: one at a time; answers are the same).")
    var batchSize = 8

    @Flag(help: "Score with a probe trained on another model's weights anyway.")
    var allowModelMismatch = false

    @Flag(help: "Print one JSON object per question (JSON lines) on stdout.")
    var json = false

    func validate() throws {
        if question.isEmpty && questions == nil {
            throw ValidationError("give --question TEXT or --questions FILE.jsonl")
        }
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        if !(1...32).contains(batchSize) { throw ValidationError("--batch-size must be 1...32") }
    }

    func run() throws {
        var items: [(text: String, answers: [String])] = question.map { ($0, []) }
        if let questions {
            let examples = try QuestionsReader.read(path: questions, answersRequired: false)
            guard !examples.contains(where: { $0.response != nil }) else {
                throw ValidationError(
                    "\(questions) gives answers to score (\"response\", or a benchmark's right and wrong answers); ask "
                        + "generates its own. Score given answers with "
                        + "`polygraph capture --dataset \(questions) --out given.h5`, then `polygraph eval --probe "
                        + "probes/<model>/given.json --acts given.h5` (or POST them to serve's /v1/score)."
                )
            }
            items += examples.map { ($0.text, $0.answers) }
        }
        let (gate, _) = try loading.loadGate(
            probePaths: probe.map { [$0] } ?? [], allowModelMismatch: allowModelMismatch)
        let options = GenerationOptions(maxTokens: maxTokens)
        var tally: [String: [ProbeFlag: Int]] = [:]  // grade ("right", "wrong", "refused") → flag → count
        if !json { print(Self.header) }
        // Batches of questions answered together; each batch is printed in order as it ends.
        for start in stride(from: 0, to: items.count, by: batchSize) {
            let batch = Array(items[start..<min(items.count, start + batchSize)])
            let answers = try concurrentMap(batch, width: batchSize) { _, item in
                try gate.answer(question: item.text, options: options)
            }
            for (item, answer) in zip(batch, answers) { try report(item, answer, json: json, tally: &tally) }
        }
        if !json, let summary = Self.summary(tally) { print("\n" + summary) }
    }

    private func report(
        _ item: (text: String, answers: [String]), _ answer: GatedAnswer, json: Bool,
        tally: inout [String: [ProbeFlag: Int]]
    ) throws {
        let grade = item.answers.isEmpty ? nil : AnswerGrader.grade(answer.text, accepted: item.answers)
        if let grade { tally[grade.verdict.name, default: [:]][answer.verdict.score.flag, default: 0] += 1 }
        if json {
            var object = answer.jsonObject
            object["question"] = item.text
            if let grade {
                object["correct"] = grade.correct
                object["grade"] = grade.verdict.name
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(Self.row(question: item.text, answer: answer, grade: grade))
        }
    }

    static let header = [pad("question", 44), pad("answer", 44), "P(true)", pad("flag", 12), "graded"].joined(
        separator: " ")

    /// One table row; long texts are cut to fit the column.
    static func row(question: String, answer: GatedAnswer, grade: AnswerGrader.Grade?) -> String {
        let oneLine = answer.text.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        let graded = grade?.verdict.name ?? "-"
        let p = String(format: "%7.3f", answer.verdict.score.pTrue)
        return [
            pad(cut(question, 44), 44), pad(cut(oneLine, 44), 44), p, pad(answer.verdict.score.flag.rawValue, 12),
            graded,
        ]
        .joined(separator: " ")
    }

    /// How the flags fell on right, wrong and refused answers, e.g. "wrong answers (6): likely_false 3, uncertain 2, ok 1".
    static func summary(_ tally: [String: [ProbeFlag: Int]]) -> String? {
        let lines = ["wrong", "refused", "right"].compactMap { name -> String? in
            let counts = tally[name] ?? [:]
            let total = counts.values.reduce(0, +)
            guard total > 0 else { return nil }
            let parts = [ProbeFlag.likelyFalse, .uncertain, .ok].map { "\($0.rawValue) \(counts[$0] ?? 0)" }
            return "\(name) answers (\(total)): " + parts.joined(separator: ", ")
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func cut(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }
}
