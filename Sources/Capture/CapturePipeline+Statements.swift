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
        let widths = try request.hooks.map { try engine.width(of: $0) }
        let passTokens = min(request.maxBatchTokens, max(1, request.windowBytes / max(1, 4 * widths.reduce(0, +))))
        for members in Self.batches(
            order, sizes: prepared.map(\.tokens.count), maxCount: request.batchSize, maxTokens: passTokens)
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
        for (hook, width) in zip(request.hooks, widths) {
            batch.activations[hook, default: []].reserveCapacity(
                request.position == .all
                    ? items.indices.reduce(0) { $0 + (reduced[$1][hook]?.count ?? 0) }
                    : items.count * width)
        }
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
            reduced[index] = [:]  // each row is held once, not twice, while the window is assembled
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

    /// Where the windows of statements end, counted from the first row so that a resumed run cuts where an
    /// uninterrupted one did: every `window` rows and, at position `all`, also before a window's rows (its texts'
    /// tokens) would pass `request.windowBytes`. A fixed 1,024 texts at every layer held ~2.6 GB for SmolLM2's
    /// 12,500 tokens of cities.csv, and would have held tens of GB for chat-formatted texts on a 1.5B model.
    func statementWindowEnds(_ items: [Item], window: Int, widths: [HookName: Int]) throws -> [Int] {
        guard request.position == .all else {
            return Array(stride(from: window, to: items.count, by: window)) + (items.isEmpty ? [] : [items.count])
        }
        let rowBytes = 4 * request.hooks.reduce(0) { $0 + (widths[$1] ?? 0) }
        // Tokenised here and again per window (a fraction of a percent of the prefill): keeping every text's tokens
        // from here on would hold the whole dataset's tokens for the run.
        let rows = try items.map { item in
            let text = try engine.prepare(statement: item.example.text)
            return text.tokens.count <= engine.contextLength ? text.textSpan.count : 0
        }
        return Self.windowEnds(rows: rows, maxExamples: window, maxRows: max(1, request.windowBytes / max(1, rowBytes)))
    }

    /// Ends of consecutive windows of at most `maxExamples` examples and `maxRows` rows (an example with more rows
    /// gets a window of its own).
    static func windowEnds(rows: [Int], maxExamples: Int, maxRows: Int) -> [Int] {
        var ends: [Int] = []
        var start = 0
        var held = 0
        for (index, count) in rows.enumerated() {
            if index > start && (index - start >= maxExamples || held + count > maxRows) {
                ends.append(index)
                start = index
                held = 0
            }
            held += count
        }
        if !rows.isEmpty { ends.append(rows.count) }
        return ends
    }
}
