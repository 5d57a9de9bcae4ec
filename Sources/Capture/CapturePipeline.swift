import ActivationStore
import Foundation
import Hooks
import Inference

/// Streams datasets through a `CaptureEngine` into an activation file with flat memory.
///
/// Examples are processed in windows of a fixed number of rows (at position `all` also of bounded bytes, see
/// `statementWindowEnds`), aligned to absolute row numbers and to the writer's chunks, so every commit lands on a
/// window boundary: a resumed run recomputes exactly the windows an uninterrupted run would, with the same batches,
/// and the file ends up identical. Within a window statements are sorted by token count before batching (less
/// padding work per pass) and put back in dataset order before writing. At most two windows of reduced rows are
/// held: one being computed and one being compressed and written on a background queue.
public final class CapturePipeline {
    /// One example of the flat, ordered list over all datasets.
    struct Item {
        var dataset: Int
        var example: DatasetExample
    }

    let engine: any CaptureEngine
    let request: CaptureRequest
    let progress: (CaptureProgress) -> Void
    /// Tokens through the model, answers graded correct and answers graded refused in this run.
    var tokens = 0, correct = 0, refused = 0
    /// Statements (or questions) skipped for being longer than the model's context, in this run.
    var skipped = 0

    /// `progress` is called after each batch of statements or each answer, and once more at the end.
    public init(
        engine: any CaptureEngine, request: CaptureRequest,
        progress: @escaping (CaptureProgress) -> Void = { _ in }
    ) {
        self.engine = engine
        self.request = request
        self.progress = progress
    }

    /// Runs the capture and returns the summary. Throws before writing anything when inputs disagree.
    public func run() throws -> CaptureSummary {
        let started = Date()
        guard !request.hooks.isEmpty else {
            throw StoreError.invalidArgument(what: "--hooks", detail: "no hooks requested")
        }
        guard request.batchSize > 0 else {
            throw StoreError.invalidArgument(what: "--batch-size", detail: "must be at least 1")
        }
        let datasets = try request.datasets.map(Dataset.load)
        try checkKinds(datasets)
        var items: [Item] = []
        for (index, dataset) in datasets.enumerated() {
            let examples = request.limit.map { Array(dataset.examples.prefix($0)) } ?? dataset.examples
            items += examples.map { Item(dataset: index, example: $0) }
        }
        // --shard K/N: rows ⌊K·B/N⌋ ..< ⌊(K+1)·B/N⌋ of the B rows above (StoreShard documents the assignment).
        let shard = try request.shard.map { try StoreShard($0, totalRows: items.count) }
        if let shard { items = Array(items[shard.firstRow..<(shard.firstRow + shard.rows)]) }
        let info = engine.modelInfo
        let header = StoreHeader(
            modelName: info.name, modelArchitecture: info.architecture, modelSHA256: info.sha256,
            nLayers: info.nLayers, dModel: info.dModel, position: request.position,
            promptTemplate: engine.promptTemplate, hooks: request.hooks, createdBy: request.createdBy,
            answerSampling: engine.answerSampling
        )
        var widths: [HookName: Int] = [:]
        for hook in request.hooks { widths[hook] = try engine.width(of: hook) }
        let options = ActivationWriter.Options(
            compression: request.compression, overwrite: request.overwrite,
            chunkRows: request.chunkRows, shard: shard)
        let writer =
            request.resume
            ? try ActivationWriter.resume(path: request.outPath, header: header, hookWidths: widths, options: options)
            : try ActivationWriter.create(path: request.outPath, header: header, hookWidths: widths, options: options)
        let skip = writer.committedRows
        try checkResumePoint(writer, items: items, datasets: datasets)

        let window = windowRows(chunkRows: writer.chunkRows, generating: datasets.contains { $0.kind == .questions })
        tokens = 0
        correct = 0
        refused = 0
        skipped = 0
        var done = skip
        let background = BackgroundWriter(writer)
        do {
            if datasets.contains(where: { $0.kind == .questions }) {
                // One stream of answers over every window: the decode batch stays full across window boundaries.
                try captureAnswers(
                    items[skip...], window: window, datasets: datasets, submit: background.submit
                ) {
                    done += 1
                    self.progress(CaptureProgress(done: done, total: items.count, tokens: self.tokens, resumed: skip))
                }
            } else {
                let ends = try statementWindowEnds(items, window: window, widths: widths)
                var start = skip
                var next = ends.firstIndex { $0 > start } ?? ends.count
                while start < items.count {
                    let end = ends[next]
                    next += 1
                    let batch = try captureStatements(items[start..<end], datasets: datasets) { count in
                        done += count
                        self.progress(
                            CaptureProgress(done: done, total: items.count, tokens: self.tokens, resumed: skip))
                    }
                    try background.submit(batch)
                    start = end
                }
            }
            try background.drain()
            try writer.markShardFinished()
        } catch {
            try? background.drain()  // let the batch in flight finish before the writer closes
            throw error
        }
        progress(CaptureProgress(done: done, total: items.count, tokens: tokens, resumed: skip, finished: true))
        let total = writer.committedRows + writer.pendingRows
        try writer.close()
        let seconds = Date().timeIntervalSince(started)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: request.outPath)[.size] as? Int) ?? 0
        let hasQuestions = datasets.contains { $0.kind == .questions }
        return CaptureSummary(
            path: request.outPath, examples: items.count - min(skip, items.count), resumedFrom: skip,
            totalExamples: total, tokens: tokens, seconds: seconds,
            tokensPerSecond: Double(tokens) / max(seconds, 1e-9), fileBytes: bytes,
            hooks: request.hooks.count, position: request.position,
            sources: datasets.map(\.name), correct: hasQuestions ? correct : nil,
            refused: hasQuestions ? refused : nil, shard: shard?.description, answerSampling: header.answerSampling,
            skipped: skipped)
    }

    /// Rows per window: a multiple of the writer's chunk rows holding about 8 batches. Answers are slow (a 1.5B
    /// model answers a few questions a minute on 2 cores), so a capture that generates commits every chunk (8–1,024
    /// rows by width), or every few chunks when a chunk holds fewer than two decode batches: a kill loses minutes
    /// of work, not the whole run.
    func windowRows(chunkRows: Int, generating: Bool = false) -> Int {
        let chunk = max(1, chunkRows)
        if generating { return (2 * decodeBatch + chunk - 1) / chunk * chunk }
        // Clamped: `--batch-size` of Int.max (legal, "no limit") trapped here with an arithmetic overflow.
        let wanted = max(min(request.batchSize, 1 << 20) * 8, 1)
        return max(1, (wanted + chunkRows - 1) / chunkRows) * chunkRows
    }

    /// Questions decoded together: `--batch-size`, at most 32 (each holds a KV cache for its whole answer).
    var decodeBatch: Int { min(max(request.batchSize, 1), 32) }

    /// Splits length-sorted sequence indices into forward passes of at most `maxCount` sequences and at most
    /// `maxTokens` tokens (a single longer sequence still gets a pass of its own), so that long texts cannot blow up
    /// the memory a batch's captured activations take.
    static func batches(_ order: [Int], sizes: [Int], maxCount: Int, maxTokens: Int) -> [[Int]] {
        var result: [[Int]] = []
        var current: [Int] = []
        var tokens = 0
        for index in order {
            let n = sizes[index]
            if !current.isEmpty && (current.count >= maxCount || tokens + n > maxTokens) {
                result.append(current)
                current = []
                tokens = 0
            }
            current.append(index)
            tokens += n
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// Statements need position last/mean/all; questions need position answer or all (every answer token's rows).
    private func checkKinds(_ datasets: [Dataset]) throws {
        if let first = datasets.first, let other = datasets.first(where: { $0.kind != first.kind }) {
            throw StoreError.invalidArgument(
                what: "--dataset",
                detail: "\(first.path) holds \(first.kind.rawValue) and \(other.path) \(other.kind.rawValue): capture "
                    + "each kind into a file of its own")
        }
        for dataset in datasets {
            if dataset.kind == .questions && request.position != .answer && request.position != .all {
                throw StoreError.invalidArgument(
                    what: "--position \(request.position.rawValue)",
                    detail:
                        "\(dataset.path) holds questions, which are captured while generating: use --position answer "
                        + "(or all, for every answer token's rows)")
            }
            if dataset.kind == .statements && request.position == .answer {
                throw StoreError.invalidArgument(
                    what: "--position answer",
                    detail:
                        "\(dataset.path) holds statements (CSV); use --position last, mean or all for them")
            }
            if let sampling = engine.answerSampling {
                // Only generated answers are sampled; statements and given responses are scored as they are.
                let given = dataset.examples.first { $0.response != nil }
                if dataset.kind == .statements || given != nil {
                    throw StoreError.invalidArgument(
                        what: "--temperature",
                        detail: "answers are sampled (\(sampling)) but \(dataset.path) holds "
                            + (given.map { "a given response (line \($0.line))" } ?? "statements")
                            + ", scored as given, not generated: capture that file without the sampling options")
                }
            }
        }
    }

    /// On resume, the committed rows must be the first rows of these datasets (same files, same order): every
    /// committed row's text, and a given response's answer, is compared (read 4,096 rows at a time). Checking the last
    /// row alone let a questions file whose earlier rows had changed (given answers drawn again) resume into a file
    /// that mixed the two.
    private func checkResumePoint(_ writer: ActivationWriter, items: [Item], datasets: [Dataset]) throws {
        let committed = writer.committedRows
        guard committed > 0 else { return }
        guard committed <= items.count else {
            throw StoreError.incompatibleResume(
                path: request.outPath, field: "number of examples",
                existing: "\(committed) committed rows",
                requested: "\(items.count) examples in the given datasets")
        }
        for start in stride(from: 0, to: committed, by: 4096) {
            let rows = start..<min(committed, start + 4096)
            let texts = try writer.committedStrings(StoreSchema.text, rows: rows) ?? []
            let answers = try writer.committedStrings(StoreSchema.answer, rows: rows)
            for (k, row) in rows.enumerated() {
                let example = items[row].example
                if k >= texts.count || texts[k] != example.text {
                    throw StoreError.incompatibleResume(
                        path: request.outPath, field: "text of row \(row)",
                        existing: "\"\((k < texts.count ? texts[k] : "").prefix(60))\"",
                        requested: "\"\(example.text.prefix(60))\" (give the same --dataset files in the same order)")
                }
                // A given response is stored as the answer (empty when it was skipped as too long).
                if let response = example.response, let answers, k < answers.count, !answers[k].isEmpty,
                    answers[k] != response
                {
                    throw StoreError.incompatibleResume(
                        path: request.outPath, field: "given response of row \(row)",
                        existing: "\"\(answers[k].prefix(60))\"",
                        requested: "\"\(response.prefix(60))\" (the questions file changed since this capture: "
                            + "capture it again with --overwrite)")
                }
            }
        }
    }
}
