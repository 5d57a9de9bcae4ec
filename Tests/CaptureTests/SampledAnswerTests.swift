import ActivationStore
import Foundation
import Hooks
import Inference
import Testing
@testable import Capture

/// `capture --temperature`: sampled answers, recorded in the file, independent of batching, refused where nothing is
/// generated.
@Suite struct SampledAnswerTests {
    static let hooks: [HookName] = [.residPost(1)]
    static let questions = """
        {"id": "q1", "question": "Capital of France?", "answers": ["Paris"]}
        {"id": "q2", "question": "Capital of Peru?", "answers": ["Lima"]}
        """

    @Test("the sampling is stored as answer_sampling, shown by inspect, and a --resume with other sampling is refused")
    func recordedAndChecked() throws {
        let dir = try TemporaryDirectory()
        let jsonl = try dir.write("qa.jsonl", Self.questions)
        let request = CaptureRequest(
            datasets: [jsonl], outPath: dir.path("qa.h5"), hooks: Self.hooks, position: .answer)
        let engine = FakeEngine()
        engine.answerSampling = AnswerSampling(temperature: 0.7, seed: 3).description
        let summary = try CapturePipeline(engine: engine, request: request).run()
        #expect(summary.answerSampling == "temperature=0.7 top_p=1.0 top_k=0 seed=3")  // capture --json
        #expect(try ActivationReader(path: request.outPath).header.answerSampling == summary.answerSampling)
        #expect(try StoreSummary.read(path: request.outPath).text.contains("answers:   sampled, temperature=0.7"))

        var resumed = request
        resumed.resume = true
        for other in [nil, AnswerSampling(temperature: 0.7, seed: 4).description] {
            let greedy = FakeEngine()
            greedy.answerSampling = other
            #expect {
                try CapturePipeline(engine: greedy, request: resumed).run()
            } throws: { "\($0)".contains("answer sampling") }
        }
        // The same sampling resumes (nothing left to do).
        #expect(try CapturePipeline(engine: engine, request: resumed).run().resumedFrom == 2)

        let plain = CaptureRequest(datasets: [jsonl], outPath: dir.path("g.h5"), hooks: Self.hooks, position: .answer)
        _ = try CapturePipeline(engine: FakeEngine(), request: plain).run()
        #expect(try ActivationReader(path: plain.outPath).header.answerSampling == nil)
    }

    @Test("shards sampled with other seeds are not merged")
    func shardsAgree() throws {
        let dir = try TemporaryDirectory()
        let jsonl = try dir.write("qa.jsonl", Self.questions)
        var shards: [String] = []
        for index in 0..<2 {
            var request = CaptureRequest(
                datasets: [jsonl], outPath: dir.path("s\(index).h5"), hooks: Self.hooks, position: .answer)
            request.shard = ShardSpec(index: index, count: 2)
            let engine = FakeEngine()
            engine.answerSampling = AnswerSampling(temperature: 1, seed: UInt64(index)).description
            _ = try CapturePipeline(engine: engine, request: request).run()
            shards.append(request.outPath)
        }
        #expect {
            try StoreMerger.merge(shards: shards, out: dir.path("m.h5"), mode: .virtual)
        } throws: { "\($0)".contains("answer sampling") }
    }

    @Test("sampling is refused, before anything is written, for statements and for given responses")
    func refusedWithoutGeneration() throws {
        let dir = try TemporaryDirectory()
        let csv = try dir.write("s.csv", "statement,label\nParis is in France.,1\n")
        let given = try dir.write(
            "given.jsonl",
            """
            {"id": "q1", "question": "Capital of France?", "answers": ["Paris"]}
            {"id": "q2", "question": "Capital of Peru?", "response": "Lima.", "label": 1}
            """)
        let engine = FakeEngine()
        engine.answerSampling = AnswerSampling(temperature: 1).description
        for (path, position, word) in [(csv, CapturePosition.last, "statements"), (given, .answer, "line 2")] {
            let request = CaptureRequest(
                datasets: [path], outPath: dir.path("out.h5"), hooks: Self.hooks, position: position)
            #expect {
                try CapturePipeline(engine: engine, request: request).run()
            } throws: { "\($0)".contains("--temperature") && "\($0)".contains(word) }
            #expect(!FileManager.default.fileExists(atPath: request.outPath))
        }
    }

    @Test("each question's seed comes from the seed and its text; a temperature of 0 or a bad top-p is refused")
    func seeds() throws {
        let sampling = AnswerSampling(temperature: 0.7, topP: 0.9, seed: 5)
        let a = sampling.parameters(question: "Capital of France?", maxTokens: 9)
        #expect(a == sampling.parameters(question: "Capital of France?", maxTokens: 9))
        #expect(a.seed != sampling.parameters(question: "Capital of Peru?", maxTokens: 9).seed)
        #expect(
            a.seed
                != AnswerSampling(temperature: 0.7, seed: 6).parameters(question: "Capital of France?", maxTokens: 9)
                .seed)
        #expect(a.temperature == 0.7 && a.topP == 0.9 && a.maxTokens == 9)
        #expect(throws: InferenceError.self) { try AnswerSampling(temperature: 0).validate() }
        #expect(throws: InferenceError.self) { try AnswerSampling(temperature: 1, topP: 0).validate() }
        #expect(throws: InferenceError.self) { try AnswerSampling(temperature: .nan).validate() }
        try AnswerSampling(temperature: 1.5, topK: 40, topP: 0.95, seed: 1).validate()
    }

    @Test("sampled answers on the model: the same with 1 or 5 decoded together, other seeds give other answers")
    func onTheModel() throws {
        guard let lm = try BatchedAnswerTests.loadModel() else { return }
        let chat = try lm.requireChatTemplate()
        let questions = [
            "What is the capital of France?", "How many legs does a spider have?", "Who painted the Mona Lisa?",
            "Which planet is closest to the sun?", "What is the largest ocean?", "In what year did World War II end?",
        ]
        func answers(seed: UInt64?, batch: Int) throws -> [CapturedAnswer] {
            let sampling = seed.map { AnswerSampling(temperature: 1, seed: $0) }
            return try EngineCaptureAdapter(model: lm, chat: chat, sampling: sampling).answers(
                questions: questions, hooks: [.residPost(14)], maxTokens: 16, batchSize: batch)
        }
        let one = try answers(seed: 1, batch: 1), five = try answers(seed: 1, batch: 5)
        for (a, b) in zip(one, five) {
            #expect(a.text == b.text && a.lastRow == b.lastRow && a.positionRows == b.positionRows)
            #expect(a.scores.map(\.logprob) == b.scores.map(\.logprob))
        }
        let other = try answers(seed: 2, batch: 5), greedy = try answers(seed: nil, batch: 5)
        #expect(zip(one, other).filter { $0.text != $1.text }.count >= 3, "another seed draws other answers")
        #expect(zip(one, greedy).filter { $0.text != $1.text }.count >= 3, "sampled answers differ from greedy ones")
    }
}
