import Foundation
import Hooks
import Testing
@testable import Inference
import GGUF
import Tokenization

/// Batched decode: a step over several sequences reads each weight block once for all of them, and every row must
/// equal the same sequence's step alone, bit for bit — kernels, the pool's split, the whole model, and generations.
@Suite("Batched decode")
struct BatchedDecodeTests {
    let pool = DecodePoolTests()

    /// `[sequences, rows]`, each row computed alone.
    func oneAtATime(_ m: QuantizedMatrix, _ x: [Float], sequences: Int, int8: Bool) -> [Float] {
        (0..<sequences).flatMap { t in
            pool.product(m, Array(x[(t * m.cols)..<((t + 1) * m.cols)]), int8: int8, threads: 1)
        }
    }

    func batched(_ m: QuantizedMatrix, _ x: [Float], sequences: Int, int8: Bool, threads: Int) -> [Float] {
        let y = FloatBuffer(count: sequences * m.rows)
        x.withUnsafeBufferPointer {
            m.matvec($0.baseAddress!, y.pointer, sequences: sequences, int8: int8, threads: threads)
        }
        return y.array(0..<(sequences * m.rows))
    }

    @Test(
        "a batched product equals one product per activation row, bit for bit",
        arguments: [GGMLType.q4_0, .q4_1, .q8_0, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K])
    func kernels(type: GGMLType) {
        // Legacy blocks: 160 columns take tiles of 8 activation rows, 800 (wider than 768) tiles of 4; with AVX-512 VNNI
        // the int8 products take tiles of 16 (13 or more rows left) and 8 (6 or more) first.
        // K-quants: 4608 columns (18 super-blocks) take the one-row-at-a-time path of long rows.
        for cols in type.blockSize == 256 ? [512, 4608] : [160, 800] {
            for rows in [5, 64, 131] {
                let m = pool.matrix(type, rows: rows, cols: cols, seed: UInt64(rows))
                for sequences in [2, 3, 4, 5, 6, 8, 12, 13, 16, 21, 32] {
                    let x = pool.vector(sequences * cols, seed: UInt64(sequences))
                    for int8 in [false, true] {
                        let expected = oneAtATime(m, x, sequences: sequences, int8: int8)
                        for threads in [1, 2, 3] {
                            #expect(
                                batched(m, x, sequences: sequences, int8: int8, threads: threads) == expected,
                                "\(type) cols \(cols) rows \(rows) sequences \(sequences) int8 \(int8) threads \(threads)"
                            )
                        }
                    }
                }
            }
        }
    }

    @Test(
        "batched q/k/v-style products and the fused SwiGLU equal their single-row forms",
        arguments: [GGMLType.q4_1, .q4_K, .q5_K])
    func sharedInput(type: GGMLType) {
        let cols = 256, rows = 301, sequences = 6
        let x = pool.vector(sequences * cols, seed: 3)
        let gate = pool.matrix(type, rows: rows, cols: cols, seed: 1),
            up = pool.matrix(.q8_0, rows: rows, cols: cols, seed: 2)
        let upSame = pool.matrix(type, rows: rows, cols: cols, seed: 2)
        for int8 in [false, true] {
            let g = FloatBuffer(count: sequences * rows), u = FloatBuffer(count: sequences * rows)
            x.withUnsafeBufferPointer { xp in
                QuantizedMatrix.matvec(
                    [(gate, g.pointer), (up, u.pointer)], xp.baseAddress!, sequences: sequences,
                    int8: int8, threads: 2)
            }
            #expect(g.array(0..<(sequences * rows)) == oneAtATime(gate, x, sequences: sequences, int8: int8))
            #expect(u.array(0..<(sequences * rows)) == oneAtATime(up, x, sequences: sequences, int8: int8))
            let sg = FloatBuffer(count: sequences * rows), su = FloatBuffer(count: sequences * rows)
            x.withUnsafeBufferPointer { xp in
                QuantizedMatrix.swiglu(
                    gate: (gate, sg.pointer), up: (upSame, su.pointer), xp.baseAddress!,
                    sequences: sequences, int8: int8, threads: 2)
            }
            for t in 0..<sequences {
                let xt = Array(x[(t * cols)..<((t + 1) * cols)])
                let rg = FloatBuffer(count: rows), ru = FloatBuffer(count: rows)
                xt.withUnsafeBufferPointer { xp in
                    QuantizedMatrix.swiglu(
                        gate: (gate, rg.pointer), up: (upSame, ru.pointer), xp.baseAddress!,
                        int8: int8, threads: 1)
                }
                #expect(sg.array((t * rows)..<((t + 1) * rows)) == rg.array(0..<rows), "gate, sequence \(t)")
                #expect(su.array((t * rows)..<((t + 1) * rows)) == ru.array(0..<rows), "swiglu, sequence \(t)")
            }
        }
    }
}

/// The real model: a batched step and concurrent generations give exactly what one sequence gives alone.
@Suite(
    "Batched decode with the real model",
    .enabled(
        if: TestPaths.isCI || FileManager.default.fileExists(atPath: TestPaths.model), "needs the model in models/"))
struct BatchedDecodeModelTests {
    static let prompts = [
        "The capital of France is", "Water boils at", "1, 2, 3, 4,", "My favourite colour is",
        "Once upon a time", "The largest planet is",
    ]

    @Test(
        "one step over sequences at different positions equals each sequence's step alone",
        arguments: [DecodeMode.quantized, .quantizedInt8])
    func step(mode: DecodeMode) throws {
        let lm = try LanguageModel.load(path: TestPaths.model, decodeMode: mode)
        let filter: HookFilter = [.residPost(3), .block(7, .mlpPost), .lnFinal]
        let prompts = Self.prompts.map { lm.rawPrompt($0) }
        func prefilled() throws -> [KVCache] {
            try prompts.map { p in
                let cache = lm.model.makeCache()
                _ = try lm.model.forward([p], caches: [cache], capture: .none, logits: .none)
                return cache
            }
        }
        let next: [[Int32]] = prompts.indices.map { [Int32(100 + 37 * $0)] }
        let together = try lm.model.forward(next, caches: try prefilled(), capture: filter, logits: .last)
        let caches = try prefilled()
        for i in prompts.indices {
            let alone = try lm.model.forward([next[i]], caches: [caches[i]], capture: filter, logits: .last)[0]
            #expect(together[i].lastLogits == alone.lastLogits, "logits of sequence \(i)")
            for hook in filter.sorted {
                #expect(together[i].activations(hook) == alone.activations(hook), "\(hook), \(i)")
            }
        }
    }

    // Without our tile (POLYGRAPH_NO_TILE=1) OpenBLAS sums a row by the product's shape, and the batcher prefills
    // prompts alone.
    @Test(
        "prompts prefilled in one pass give each prompt's hooks and last-position logits alone, bit for bit",
        .enabled(if: PooledProduct.tiled, "needs our float32 tile (POLYGRAPH_NO_TILE unset)"))
    func prefill() throws {
        let lm = try LanguageModel.load(path: TestPaths.model)
        let filter: HookFilter = [.embed, .residPost(0), .block(9, .attnZ), .residPost(29), .lnFinal]
        let prompts = (Self.prompts + Self.prompts.map { $0 + " and then, after a long while, more words follow" })
            .map { try! lm.chatPrompt([.user($0)]) }
        let caches = prompts.map { _ in lm.model.makeCache() }
        let together = try lm.model.forward(prompts, caches: caches, capture: filter, logits: .last)
        for (i, prompt) in prompts.enumerated() {
            let alone = try lm.model.forward([prompt], caches: [lm.model.makeCache()], capture: filter, logits: .last)[
                0]
            #expect(together[i].lastLogits == alone.lastLogits, "logits of prompt \(i)")
            for hook in filter.sorted {
                #expect(together[i].activations(hook) == alone.activations(hook), "\(hook), \(i)")
            }
        }
    }

    @Test("generations running at the same time produce the tokens, hooks and scores of each one alone")
    func concurrentGenerations() throws {
        let lm = try LanguageModel.load(path: TestPaths.model)
        let filter: HookFilter = [.residPost(10), .lnFinal]
        // Chat prompts (prefilled together) and short raw ones (prefilled alone: see DecodeBatcher.minSharedPrefill).
        let prompts =
            Self.prompts.map { try! lm.chatPrompt([.user($0)]) } + ["Hi", "The sun is"].map { lm.rawPrompt($0) }
        // Budgets of 6, 10, ... tokens: the generations leave the batch at different steps.
        let alone = try prompts.enumerated().map {
            try lm.generate(prompt: $0.element, parameters: .greedy(maxTokens: 6 + 4 * $0.offset), capture: filter)
        }
        let together = try concurrentMap(prompts, width: prompts.count) { i, prompt in
            try lm.generate(prompt: prompt, parameters: .greedy(maxTokens: 6 + 4 * i), capture: filter)
        }
        for (a, b) in zip(alone, together) {
            #expect(a.tokens == b.tokens && a.text == b.text && a.finishReason == b.finishReason)
            #expect(a.scores.map(\.logprob) == b.scores.map(\.logprob))
            for hook in filter.sorted { #expect(a.activations(hook) == b.activations(hook), "\(hook)") }
        }
        #expect(Set(alone.map(\.tokens.count)).count > 1, "the generations should end at different steps")
        #expect(lm.activeGenerations == 0)
    }
}

/// A model that passes each batch to the real one, records how many sequences each pass held, and takes `delay`
/// longer (a bigger model's pass).
final class RecordingModel: CausalLanguageModel, @unchecked Sendable {
    let inner: any CausalLanguageModel
    let delay: TimeInterval
    private let lock = NSLock()
    private var sizes: [Int] = []
    var passSizes: [Int] { lock.withLock { sizes } }

    init(_ inner: any CausalLanguageModel, delay: TimeInterval) { self.inner = inner; self.delay = delay }

    var config: ModelConfig { inner.config }
    var quantizedPrefillLimit: Int { inner.quantizedPrefillLimit }

    func forward(
        _ sequences: [[Int32]], caches: [KVCache], capture: HookFilter, logits: LogitsRequest, quantizedPrefill: Bool
    ) throws -> [SequenceActivations] {
        lock.withLock { sizes.append(sequences.count) }
        Thread.sleep(forTimeInterval: delay)
        return try inner.forward(
            sequences, caches: caches, capture: capture, logits: logits, quantizedPrefill: quantizedPrefill)
    }
}

@Suite(
    "Decode batcher: a late generation joins the batch, which then stays whole",
    .enabled(if: TestPaths.realModelTestsEnabled, "needs the model in models/"))
struct DecodeBatcherTests {
    @Test("a step submitted while a pass runs waits for the others from that pass's end, not from its submission")
    func lateGenerationDoesNotSplitTheBatch() throws {
        let lm = try LanguageModel.load(path: TestPaths.model)
        let model = RecordingModel(lm.model, delay: 0.03)
        let batcher = DecodeBatcher(model: model)
        let caches = try (0..<4).map { i in
            let cache = lm.model.makeCache()
            _ = try lm.model.forward([lm.rawPrompt("Count: \(i)")], caches: [cache], capture: .none, logits: .none)
            return cache
        }
        // Four generations of 8 steps; each spends 8 ms between its steps (sampling, scoring); the fourth starts
        // 6 ms late, while the first pass (the other three, after `gather`) is running. Counting its wait from its
        // submission let it leave alone at the next chance, and the batch then ran as passes of 3 and 1 for good.
        // All four count from the start: the first pass waits `gather` for the fourth.
        for _ in 0..<4 { batcher.join() }
        _ = try concurrentMap(Array(0..<4), width: 4) { i, _ in
            defer { batcher.leave() }
            if i == 3 { Thread.sleep(forTimeInterval: 0.006) }
            for t in 0..<8 {
                _ = try batcher.step(Int32(200 + t), cache: caches[i], capture: .none, logits: .none)
                Thread.sleep(forTimeInterval: 0.008)
            }
            return 0
        }
        let sizes = model.passSizes
        #expect(sizes.reduce(0, +) == 32)
        #expect(sizes.count(where: { $0 == 4 }) >= 6, "passes: \(sizes)")
    }
}
