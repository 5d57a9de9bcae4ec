import ActivationStore
import Foundation
import Hooks

// Answer windows: questions answered in decode batches, graded, their rows at every answer position stored;
// questions whose prompt leaves the model no room to answer skipped and recorded.
extension CapturePipeline {
    /// Generates and grades an answer per question, up to `--batch-size` generated together; activations come from
    /// the generation pass itself.
    func captureAnswers(_ slice: ArraySlice<Item>, datasets: [Dataset], onExample: () -> Void) throws
        -> ActivationBatch
    {
        let items = Array(slice)
        // Hardening defect 16: a question whose prompt fills the context is skipped and recorded (label -1, NaN
        // rows), not fatal to the run or its --resume.
        let lengths = try items.map { try engine.promptLength(question: $0.example.text) }
        let fits = lengths.map { $0 < engine.contextLength }
        let answered = try engine.answers(
            questions: items.indices.filter { fits[$0] }.map { items[$0].example.text }, hooks: request.hooks,
            maxTokens: request.maxAnswerTokens, batchSize: decodeBatch)
        guard answered.count == fits.filter({ $0 }).count else {
            throw StoreError.invalidArgument(
                what: "engine output", detail: "\(answered.count) answers for \(fits.filter { $0 }.count) questions")
        }
        var next = answered.makeIterator()
        var batch = ActivationBatch(examples: [], activations: [:])
        // Rows per example at each extra position (nil where an example has none), padded with NaN below.
        var extra: [ProbePosition: [HookName: [[Float]?]]] = [:]
        for (index, item) in items.enumerated() {
            var meta = item.example.meta
            meta["accepted_answers"] = item.example.answers.joined(separator: " | ")
            guard fits[index], let answer = next.next() else {
                skipped += 1
                meta["skipped"] =
                    "prompt of \(lengths[index]) tokens leaves no room to answer in the model's context of "
                    + "\(engine.contextLength)"
                batch.examples.append(
                    ExampleRecord(
                        text: item.example.text, label: -1, source: datasets[item.dataset].name, nTokens: 0,
                        meta: meta, answer: ""))
                for hook in request.hooks {
                    batch.activations[hook, default: []] += [Float](
                        repeating: .nan, count: try engine.width(of: hook))
                    for name in StoreSchema.answerPositions { extra[name, default: [:]][hook, default: []].append(nil) }
                }
                onExample()
                continue
            }
            let grade = AnswerGrader.grade(answer.text, accepted: item.example.answers)
            if grade.correct { correct += 1 }
            if grade.refused { refused += 1 }
            tokens += answer.promptTokens + answer.generatedTokens
            meta["grade"] = grade.verdict.name  // "right", "wrong" or "refused" (label 1, 0, -1)
            let s = answer.scores
            let confidence = ConfidenceSummary(
                logprobs: s.map(\.logprob), entropies: s.map(\.entropy), margins: s.map(\.margin))
            batch.examples.append(
                ExampleRecord(
                    text: item.example.text, label: grade.label, source: datasets[item.dataset].name,
                    nTokens: Int32(answer.generatedTokens), meta: meta, answer: answer.text,
                    confidence: confidence))
            for hook in request.hooks {
                let width = try engine.width(of: hook)
                guard let row = answer.lastRow[hook], row.count == width else {
                    throw StoreError.invalidArgument(
                        what: "engine output", detail: "hook \(hook) missing from the generation")
                }
                batch.activations[hook, default: []] += row
                for name in StoreSchema.answerPositions {
                    let row = answer.positionRows[name]?[hook]
                    extra[name, default: [:]][hook, default: []].append(row?.count == width ? row : nil)
                }
            }
            onExample()
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
