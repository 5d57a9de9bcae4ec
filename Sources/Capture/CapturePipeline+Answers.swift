import ActivationStore
import Foundation
import Hooks

// Answer windows: questions answered in one stream of decode batches, graded, their rows at every answer position
// stored window by window; questions whose prompt leaves the model no room to answer skipped and recorded.
extension CapturePipeline {
    /// Generates and grades an answer per question of `slice` (rows of `items`, so window boundaries fall on
    /// multiples of `window`), up to `--batch-size` generated together; activations come from the generation pass
    /// itself. Each window goes to `submit` as soon as its questions are answered, while the questions after it go
    /// on decoding (the batch does not drain at window ends, and writing overlaps decoding).
    func captureAnswers(
        _ slice: ArraySlice<Item>, window: Int, datasets: [Dataset], submit: (ActivationBatch) throws -> Void,
        onExample: () -> Void
    ) throws {
        // Hardening defect 16: a question whose prompt fills the context is skipped and recorded (label -1, NaN
        // rows), not fatal to the run or its --resume. A given response (teacher forcing) must fit with its prompt.
        var lengths: [Int: Int] = [:]
        for row in slice.indices {
            let example = slice[row].example
            lengths[row] =
                try example.response.map { try engine.givenAnswerLength(question: example.text, response: $0) }
                ?? engine.promptLength(question: example.text)
        }
        func fits(_ row: Int) -> Bool {
            slice[row].example.response == nil
                ? lengths[row, default: 0] < engine.contextLength : lengths[row, default: 0] <= engine.contextLength
        }
        let fitting = slice.indices.filter { fits($0) && slice[$0].example.response == nil }
        var answers: [Int: CapturedAnswer] = [:]
        var cursor = slice.startIndex, delivered = 0
        // Submits every window before `pending` (the row of the first question still unanswered); the window's given
        // responses are scored first, in batched teacher-forced passes.
        func flush(before pending: Int) throws {
            while cursor < slice.endIndex {
                let end = min(slice.endIndex, (cursor / window + 1) * window)
                guard pending >= end else { return }
                let rows = slice[cursor..<end]
                let given = rows.indices.filter { rows[$0].example.response != nil && fits($0) }
                let scored =
                    given.isEmpty
                    ? []
                    : try engine.givenAnswers(
                        given.map { (rows[$0].example.text, rows[$0].example.response ?? "") }, hooks: request.hooks,
                        tokenRows: request.position == .all)
                guard scored.count == given.count else {
                    throw StoreError.invalidArgument(
                        what: "engine output", detail: "\(scored.count) scored responses for \(given.count)")
                }
                for (row, answer) in zip(given, scored) {
                    answers[row] = answer
                    tokens += answer.promptTokens + answer.generatedTokens
                }
                let batch = try answerBatch(
                    rows, answers: rows.indices.map { answers[$0] }, lengths: lengths, datasets: datasets,
                    onExample: onExample)
                try submit(batch)
                for row in rows.indices { answers[row] = nil }
                cursor = end
            }
        }
        try flush(before: fitting.first ?? slice.endIndex)
        try engine.answers(
            questions: fitting.map { slice[$0].example.text }, hooks: request.hooks,
            maxTokens: request.maxAnswerTokens, batchSize: decodeBatch, lookahead: window + 2 * decodeBatch,
            tokenRows: request.position == .all
        ) { k, answer in
            answers[fitting[k]] = answer
            delivered += 1
            tokens += answer.promptTokens + answer.generatedTokens
            onExample()
            try flush(before: k + 1 < fitting.count ? fitting[k + 1] : slice.endIndex)
        }
        guard cursor == slice.endIndex else {
            throw StoreError.invalidArgument(
                what: "engine output", detail: "\(delivered) answers for \(fitting.count) questions")
        }
    }

    /// One window's batch: each question's grade and rows (`answers[i]` nil for a question skipped for its length).
    /// `onExample` counts the skipped questions and the given responses (generated answers are counted as they come).
    /// At position `all` `/activations` holds every answer token's rows (none for a skipped question) and
    /// `/confidence` each token's series; the other answer positions are stored as always.
    private func answerBatch(
        _ items: ArraySlice<Item>, answers: [CapturedAnswer?], lengths: [Int: Int], datasets: [Dataset],
        onExample: () -> Void
    ) throws -> ActivationBatch {
        let all = request.position == .all
        var batch = ActivationBatch(examples: [], activations: [:], rowsPerExample: all ? [] : nil)
        if all {
            batch.tokenConfidence = Dictionary(
                uniqueKeysWithValues: ConfidenceSummary.tokenColumns.map { ($0, [Float]()) })
        }
        // Rows per example at each extra position (nil where an example has none), padded with NaN below.
        var extra: [ProbePosition: [HookName: [[Float]?]]] = [:]
        for (index, answer) in zip(items.indices, answers) {
            let item = items[index]
            var meta = item.example.meta
            meta["accepted_answers"] = item.example.answers.joined(separator: " | ")
            guard let answer else {
                skipped += 1
                meta["skipped"] =
                    item.example.response == nil
                    ? "prompt of \(lengths[index, default: 0]) tokens leaves no room to answer in the model's context of "
                        + "\(engine.contextLength)"
                    : "prompt and given response of \(lengths[index, default: 0]) tokens exceed the model's context of "
                        + "\(engine.contextLength)"
                batch.examples.append(
                    ExampleRecord(
                        text: item.example.text, label: -1, source: datasets[item.dataset].name, nTokens: 0,
                        meta: meta, answer: ""))
                batch.rowsPerExample?.append(0)
                for hook in request.hooks {
                    batch.activations[hook, default: []] += [Float](
                        repeating: .nan, count: all ? 0 : try engine.width(of: hook))
                    for name in StoreSchema.answerPositions { extra[name, default: [:]][hook, default: []].append(nil) }
                }
                onExample()
                continue
            }
            // A given response with its own label keeps it; every other answer is graded.
            let grade =
                item.example.label.map { AnswerGrader.Grade(verdict: $0 == 1 ? .correct : .incorrect, matched: nil) }
                ?? AnswerGrader.grade(answer.text, accepted: item.example.answers)
            if item.example.response != nil {
                meta["answer_source"] = "given"
                onExample()
            }
            if grade.correct { correct += 1 }
            if grade.refused { refused += 1 }
            meta["grade"] = grade.verdict.name  // "right", "wrong" or "refused" (label 1, 0, -1)
            let s = answer.scores
            let confidence = ConfidenceSummary(
                logprobs: s.map(\.logprob), entropies: s.map(\.entropy), margins: s.map(\.margin))
            batch.examples.append(
                ExampleRecord(
                    text: item.example.text, label: grade.label, source: datasets[item.dataset].name,
                    nTokens: Int32(answer.generatedTokens), meta: meta, answer: answer.text,
                    confidence: confidence))
            if all {
                batch.rowsPerExample?.append(answer.generatedTokens)
                batch.tokenConfidence?["token_logprob"]? += s.map(\.logprob)
                batch.tokenConfidence?["token_entropy"]? += s.map(\.entropy)
                batch.tokenConfidence?["token_margin"]? += s.map(\.margin)
            }
            for hook in request.hooks {
                let width = try engine.width(of: hook)
                guard let row = answer.lastRow[hook], row.count == width else {
                    throw StoreError.invalidArgument(
                        what: "engine output", detail: "hook \(hook) missing from the generation")
                }
                if all {
                    guard let rows = answer.tokenRows?[hook], rows.count == answer.generatedTokens * width,
                        s.count == answer.generatedTokens
                    else {
                        throw StoreError.invalidArgument(
                            what: "engine output", detail: "hook \(hook): not one row and one score per answer token")
                    }
                    batch.activations[hook, default: []] += rows
                } else {
                    batch.activations[hook, default: []] += row
                }
                for name in StoreSchema.answerPositions {
                    let row = answer.positionRows[name]?[hook]
                    extra[name, default: [:]][hook, default: []].append(row?.count == width ? row : nil)
                }
            }
        }
        // A position some answers of the window have: NaN rows for the others (skipped questions among them).
        for (name, hooks) in extra {
            for (hook, rows) in hooks where rows.contains(where: { $0 != nil }) {
                let nan = [Float](repeating: .nan, count: try engine.width(of: hook))
                batch.positions[name, default: [:]][hook] = rows.flatMap { $0 ?? nan }
            }
        }
        return batch
    }
}
