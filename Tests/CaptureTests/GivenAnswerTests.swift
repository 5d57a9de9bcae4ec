import Foundation
import Testing
import ActivationStore
import Hooks
import Inference
@testable import Capture

/// Given responses (`"response"` in a questions file) are scored by teacher forcing instead of generated: right
/// and wrong answers from a benchmark, or another system's, read by the same answer probes.
@Suite struct GivenAnswerTests {
    static let hooks = CapturePipelineTests.hooks

    @Test("JSONL: a response with its label (1/0, true/false) or graded against answers; errors name the line")
    func reading() throws {
        let text = """
            {"id": "a", "question": "Capital of France?", "answers": ["Paris"], "response": "Lyon"}
            {"id": "b", "question": "Capital of Peru?", "response": "Lima", "label": 1}
            {"id": "c", "question": "Capital of Chad?", "response": "Abuja", "label": false, "topic": "x"}
            {"id": "d", "question": "Capital of Mali?", "answers": ["Bamako"], "label": "kept as meta"}
            """
        let examples = try QuestionsReader.parse(Data(text.utf8), path: "q.jsonl")
        #expect(examples.map(\.response) == ["Lyon", "Lima", "Abuja", nil])
        #expect(examples.map(\.label) == [nil, 1, 0, nil])
        #expect(examples[1].answers.isEmpty && examples[0].answers == ["Paris"])
        #expect(examples[2].meta == ["id": "c", "topic": "x"])
        #expect(examples[3].meta["label"] == "kept as meta", "without a response, label stays an extra field")
        let bad: [(String, String)] = [
            (#"{"question": "Q?", "response": 3, "answers": ["a"]}"#, "\"response\" must be a string"),
            (#"{"question": "Q?", "response": "a", "label": 2}"#, "\"label\" of a given response must be 1 or 0"),
            (#"{"question": "Q?", "response": "a", "label": "yes"}"#, "\"label\" of a given response must be 1 or 0"),
            (#"{"question": "Q?", "response": "a"}"#, "or give \"response\" with a \"label\""),
            (#"{"question": "Q?", "response": "a\u0000b", "label": 1}"#, "\"response\" holds a NUL"),
        ]
        for (line, fragment) in bad {
            #expect {
                try QuestionsReader.parse(Data(("\n" + line).utf8), path: "q.jsonl")
            } throws: { error in
                let message = "\(error)"
                return message.contains("q.jsonl:2:") && message.contains(fragment)
            }
        }
    }

    @Test(
        "a file of given and generated answers: responses teacher-forced by window, labelled or graded, too long skipped"
    )
    func mixedCapture() throws {
        let dir = try TemporaryDirectory()
        var lines: [String] = []
        for i in 0..<10 {
            switch i % 3 {
            case 0: lines.append(#"{"id": "q\#(i)", "question": "Capital of France \#(i)?", "answers": ["Paris"]}"#)
            case 1:
                lines.append(
                    #"{"id": "q\#(i)", "question": "Capital of France \#(i)?", "answers": ["Paris"], "response": "Paris it is"}"#
                )
            default:
                let long = i == 5 ? String(repeating: " very", count: 12) : ""
                lines.append(
                    #"{"id": "q\#(i)", "question": "Capital of Spain \#(i)?", "response": "Madrid\#(long)", "label": 0}"#
                )
            }
        }
        let jsonl = try dir.write("qa.jsonl", lines.joined(separator: "\n"))
        let engine = FakeEngine()
        engine.contextLength = 16  // prompt 4 + 4 words; row 5's response takes 13 more
        var request = CaptureRequest(
            datasets: [jsonl], outPath: dir.path("qa.h5"), hooks: Self.hooks, position: .answer)
        request.batchSize = 2
        request.chunkRows = 4
        let summary = try CapturePipeline(engine: engine, request: request).run()
        #expect(summary.totalExamples == 10 && summary.skipped == 1)
        #expect(summary.correct == 7, "4 generated (France: Paris) + 3 given 'Paris it is'; the labelled 0s are wrong")
        #expect(engine.givenPasses == [2, 2, 1], "the given responses of each 4-row window in one call")

        let reader = try ActivationReader(path: dir.path("qa.h5"))
        let labels = try reader.labels(), answers = try #require(try reader.answers())
        let source = try #require(try reader.meta("answer_source")), grade = try #require(try reader.meta("grade"))
        let skipped = try #require(try reader.meta("skipped"))
        let hook = Self.hooks[1], width = try engine.width(of: hook)
        let rows = try reader.rows(hook: hook), mean = try reader.rows(hook: hook, position: .answerMean)
        let confidence = try #require(try reader.confidence())
        for i in 0..<10 {
            let row = Array(rows[(i * width)..<((i + 1) * width)])
            let meanRow = Array(mean[(i * width)..<((i + 1) * width)])
            switch i % 3 {
            case 0:
                #expect(labels[i] == 1 && answers[i] == "It is Paris." && source[i] == "")
                #expect(row == (0..<width).map { 12 + Float($0) })
            case 1:
                #expect(labels[i] == 1 && answers[i] == "Paris it is" && source[i] == "given" && grade[i] == "right")
                #expect(row == (0..<width).map { 11.5 + Float($0) })
                #expect(meanRow == (0..<width).map { 211.5 + Float($0) }, "answer_mean, the second extra position")
                // Three words, each scored -(token % 11) / 4 with tokens 11, 12, 13.
                #expect(confidence["min_logprob"]?[i] == -0.5 && confidence["mean_logprob"]?[i] == -0.25)
            default:
                if i == 5 {
                    #expect(labels[i] == -1 && answers[i] == "" && row.allSatisfy(\.isNaN))
                    #expect(skipped[i] == "prompt and given response of 21 tokens exceed the model's context of 16")
                } else {
                    #expect(labels[i] == 0 && answers[i] == "Madrid" && source[i] == "given" && grade[i] == "wrong")
                    #expect(row == (0..<width).map { 6.5 + Float($0) })
                }
            }
        }
    }

    @Test("--resume of given answers checks every committed row: a response or question changed earlier is refused")
    func resumeChecksEveryRow() throws {
        let dir = try TemporaryDirectory()
        func file(changing row: Int? = nil, question: Bool = false) throws -> String {
            let lines = (0..<12).map { i -> String in
                let q = question && i == row ? "Capital of Chad?" : "Capital of France \(i)?"
                let r = !question && i == row ? "Lyon" : (i % 2 == 0 ? "Paris" : "Marseille")
                return #"{"id": "q\#(i)", "question": "\#(q)", "answers": ["Paris"], "response": "\#(r)"}"#
            }
            return try dir.write("qa.jsonl", lines.joined(separator: "\n"))
        }
        var request = CaptureRequest(
            datasets: [try file()], outPath: dir.path("a.h5"), hooks: Self.hooks, position: .answer)
        request.chunkRows = 4
        _ = try CapturePipeline(engine: FakeEngine(), request: request).run()
        request.resume = true
        #expect(try CapturePipeline(engine: FakeEngine(), request: request).run().examples == 0)
        // Before, only the last committed row's question was compared: both of these resumed without a word.
        for (question, field) in [(false, "given response of row 3"), (true, "text of row 3")] {
            _ = try file(changing: 3, question: question)  // the same file, rewritten
            #expect { try CapturePipeline(engine: FakeEngine(), request: request).run() } throws: { error in
                if case let StoreError.incompatibleResume(_, f, _, _) = error { return f == field }
                return false
            }
        }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The model's own greedy answers, given back as responses, score as they did when generated: the same tokens,
    /// rows at every position and confidences, to float rounding (the prompt's prefill against decode steps).
    @Test(
        "a generated answer given back as a response: same grade, rows and confidences (chat and raw prompts)",
        arguments: ["SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf"])
    func teacherForcedEqualsGenerated(file: String) throws {
        let path = Self.root.appendingPathComponent("models/\(file)").path
        guard FileManager.default.fileExists(atPath: path) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("missing \(path)") }
            return
        }
        let lm = try LanguageModel.load(path: path)
        // Gemma 3 270M is a base model: raw `Question: … Answer:` prompts, whose answers start with a space.
        let adapter = try EngineCaptureAdapter(
            model: lm, chat: file.hasPrefix("gemma") ? nil : lm.requireChatTemplate())
        let last = lm.config.nLayers - 1
        let hooks: [HookName] = [.residPost(last / 2), .residPost(last)]
        let questions = [
            "What is the capital of France?", "How many legs does a spider have?", "Who painted the Mona Lisa?",
            "Which planet is closest to the sun?", "What is the chemical symbol for gold?",
            "What is the largest ocean on Earth?", "Who wrote Hamlet?",
            "What is the boiling point of water in Celsius?",
        ]
        let generated = try adapter.answers(questions: questions, hooks: hooks, maxTokens: 16, batchSize: 1)
        let given = try adapter.givenAnswers(zip(questions, generated.map(\.text)).map { ($0, $1) }, hooks: hooks)
        var compared = 0
        for (a, b) in zip(generated, given) {
            #expect(a.text == b.text && a.promptTokens == b.promptTokens)
            // Re-encoding a generated text can split it differently (Gemma's answers that end in "\n\n" before an
            // invented next question keep that token, which the trimmed text drops: 3 of 8); those answers are not
            // comparable row by row.
            guard a.generatedTokens == b.generatedTokens, a.generatedTokens > 0 else { continue }
            compared += 1
            for hook in hooks {
                Self.expectClose(a.lastRow[hook], b.lastRow[hook], "\(hook) last token")
                for name in StoreSchema.answerPositions {
                    Self.expectClose(a.positionRows[name]?[hook], b.positionRows[name]?[hook], "\(hook) \(name)")
                }
            }
            for (x, y) in zip(a.scores, b.scores) {
                #expect(abs(x.logprob - y.logprob) < 2e-3 && abs(x.entropy - y.entropy) < 2e-3)
            }
        }
        #expect(compared >= 4, "\(compared) of \(questions.count) answers re-encode to their own tokens")
    }

    @Test("a base model's answer after a plain prompt ends where it starts inventing the next question")
    func plainAnswersEndAtOwnTurn() throws {
        let path = Self.root.appendingPathComponent("models/gemma-3-270m-q4_k_m.gguf").path
        guard FileManager.default.fileExists(atPath: path) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("missing \(path)") }
            return
        }
        let lm = try LanguageModel.load(path: path)
        let adapter = try EngineCaptureAdapter(model: lm, chat: nil)
        let hook = HookName.residPost(6)
        let width = hook.width(in: lm.config)
        let questions = [
            "What is the capital of Armenia?", "Convert 16 miles to yards.", "What is the Spanish word for Friday?",
            "Which Greek god was the counterpart of the Roman Sol?",
        ]
        let captured = try adapter.answers(questions: questions, hooks: [hook], maxTokens: 24, batchSize: 2)
        var cut = 0
        for (question, answer) in zip(questions, captured) {
            // The same greedy generation left to run on to 24 tokens.
            let full = try lm.generate(
                prompt: try adapter.prompt(question: question), parameters: .greedy(maxTokens: 24),
                capture: HookFilter([hook]))
            #expect(!answer.text.contains(PlainPrompt.nextTurn), "\(question): \(answer.text)")
            #expect(answer.text == AnswerGrader.ownTurn(full.text).trimmingCharacters(in: .whitespacesAndNewlines))
            guard full.text.contains(PlainPrompt.nextTurn) else { continue }
            cut += 1
            let k = answer.generatedTokens
            #expect(k > 0 && k < full.tokens.count, "\(question): \(k) of \(full.tokens.count) tokens kept")
            #expect(answer.scores.count == k)
            // The answer's tokens are the full generation's first k, and its rows theirs.
            let rows = full.activations(hook) ?? []
            Self.expectClose(answer.lastRow[hook], Array(rows[((k - 1) * width)..<(k * width)]), "\(question) last")
            Self.expectClose(
                answer.positionRows[.answerMean]?[hook], Pooling.mean(rows, width: width, rows: 0..<k),
                "\(question) mean")
            #expect(zip(answer.scores, full.scores).allSatisfy { $0.logprob == $1.logprob })
        }
        #expect(cut >= 2, "\(cut) of \(questions.count) answers ran on into a next question")
    }

    static func expectClose(_ a: [Float]?, _ b: [Float]?, _ what: String) {
        guard let a, let b, a.count == b.count, !a.isEmpty else {
            Issue.record("\(what): missing or different widths")
            return
        }
        let diff = zip(a, b).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
        let norm = a.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
        #expect(diff <= 1e-3 * max(norm, 1e-6), "\(what): relative difference \(diff / max(norm, 1e-6))")
    }
}
