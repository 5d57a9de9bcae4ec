import ActivationStore
import Foundation
import Hooks
import Inference

// Statement windows: length-sorted batched prefill, reduction to the stored position, over-long statements skipped.
extension CapturePipeline {
    /// Prefills a window of statements in length-sorted batches and reduces each to the position.
    func captureStatements(_ slice: ArraySlice<Item>, datasets: [Dataset], onBatch: (Int) -> Void) throws
        -> ActivationBatch
    {
        let items = Array(slice)
        var prepared: [PreparedText] = []
        prepared.reserveCapacity(items.count)
        for item in items {
            let text = try engine.prepare(statement: item.example.text)
            guard !text.textSpan.isEmpty else {
                throw StoreError.csv(
                    path: datasets[item.dataset].path, line: item.example.line, message: "statement is empty")
            }
            prepared.append(text)
        }
        // Hardening defect 16: a statement longer than the context is skipped and recorded, not fatal to the run
        // (nor to its --resume): its row is unlabeled, its activations NaN (no rows at position all).
        let fits = items.indices.map { prepared[$0].tokens.count <= engine.contextLength }
        let order = items.indices.filter { fits[$0] }
            .sorted { (prepared[$0].tokens.count, $0) < (prepared[$1].tokens.count, $1) }
        var reduced = [[HookName: [Float]]](repeating: [:], count: items.count)
        for index in items.indices where !fits[index] {
            skipped += 1
            for hook in request.hooks {
                reduced[index][hook] =
                    request.position == .all ? [] : [Float](repeating: .nan, count: try engine.width(of: hook))
            }
        }
        var scores = [[TokenScore]?](repeating: nil, count: items.count)
        for members in Self.batches(
            order, sizes: prepared.map(\.tokens.count), maxCount: request.batchSize,
            maxTokens: request.maxBatchTokens)
        {
            let outputs = try engine.prefill(
                members.map { prepared[$0].tokens }, hooks: request.hooks,
                scoreTokens: request.confidence)
            guard outputs.count == members.count else {
                throw StoreError.invalidArgument(
                    what: "engine output", detail: "\(outputs.count) results for \(members.count) sequences")
            }
            for (k, index) in members.enumerated() {
                tokens += prepared[index].tokens.count
                reduced[index] = try reduce(outputs[k].rows, span: prepared[index].textSpan)
                scores[index] = outputs[k].scores
            }
            onBatch(members.count)
        }
        var batch = ActivationBatch(
            examples: [], activations: [:],
            rowsPerExample: request.position == .all ? [] : nil)
        if request.position == .all && request.confidence {
            batch.tokenConfidence = Dictionary(
                uniqueKeysWithValues: ConfidenceSummary.tokenColumns.map { ($0, [Float]()) })
        }
        for (index, item) in items.enumerated() {
            let span = fits[index] ? prepared[index].textSpan : 0..<0
            let series = scores[index].map { TextConfidence(scores: $0, span: span) }
            var meta = item.example.meta
            if !fits[index] {
                meta["skipped"] =
                    "\(prepared[index].tokens.count) tokens, longer than the model's context of \(engine.contextLength)"
            }
            batch.examples.append(
                ExampleRecord(
                    text: item.example.text, label: fits[index] ? item.example.label ?? -1 : -1,
                    source: datasets[item.dataset].name,
                    nTokens: Int32(span.count), meta: meta,
                    confidence: series?.summary))
            batch.rowsPerExample?.append(span.count)
            if batch.tokenConfidence != nil {
                let s = series ?? TextConfidence(scores: [], span: span)
                batch.tokenConfidence!["token_logprob"]! += s.logprobs
                batch.tokenConfidence!["token_entropy"]! += s.entropies
                batch.tokenConfidence!["token_margin"]! += s.margins
            }
            for hook in request.hooks { batch.activations[hook, default: []] += reduced[index][hook] ?? [] }
        }
        return batch
    }

    /// `[T, width]` per hook → the stored rows: one row (last, mean) or the text's rows (all).
    func reduce(_ output: [HookName: [Float]], span: Range<Int>) throws -> [HookName: [Float]] {
        var result: [HookName: [Float]] = [:]
        for hook in request.hooks {
            guard let values = output[hook] else {
                throw StoreError.invalidArgument(what: "engine output", detail: "hook \(hook) was not captured")
            }
            let width = try engine.width(of: hook)
            guard values.count >= span.upperBound * width else {
                throw StoreError.shapeMismatch(
                    path: request.outPath, object: hook.description, expected: "\(span.upperBound) rows",
                    found: "\(values.count / max(width, 1)) rows")
            }
            switch request.position {
            case .last, .answer:
                result[hook] = Array(values[((span.upperBound - 1) * width)..<(span.upperBound * width)])
            case .all:
                result[hook] = Array(values[(span.lowerBound * width)..<(span.upperBound * width)])
            case .mean:
                result[hook] = Pooling.mean(values, width: width, rows: span)
            }
        }
        return result
    }
}
