import Foundation
import GGUF
import Hooks
import Testing
import CBLAS
import CKernels
@testable import Inference

/// Weights left in the GGUF mapping (the default): products on panels of dequantised rows, token embeddings read row
/// by row, no float32 copy of any matrix, and the memory check that refuses a model that cannot fit.
@Suite("Mapped weights (bounded memory)")
struct MappedWeightsTests {
    /// A GGUF holding one `[rows, cols]` matrix of `type` (F16 from floats; Q8_0 from hand-made blocks).
    static func writeMatrix(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) throws -> String {
        var rng = SeededGenerator(state: seed)
        var w = GGUFWriter()
        w.set("general.architecture", .string("test"))
        if type == .q8_0 {
            var blocks: [UInt8] = []
            for _ in 0..<(rows * cols / 32) {
                let d = Float16(0.01 + abs(rng.nextSymmetric()) * 0.05).bitPattern
                blocks += [UInt8(d & 0xFF), UInt8(d >> 8)]
                blocks += (0..<32).map { _ in UInt8(bitPattern: Int8(Int(rng.next() % 255) - 127)) }
            }
            try w.addTensor(name: "m", dimensions: [cols, rows], type: .q8_0, blocks: blocks)
        } else {
            try w.addTensor(
                name: "m", dimensions: [cols, rows], values: (0..<(rows * cols)).map { _ in rng.nextSymmetric() },
                type: type)
        }
        let path = TestPaths.temporaryFile("matrix.gguf")
        try w.write(to: path)
        return path
    }

    @Test(
        "products on panels of a mapped matrix equal the products on its float32 copy",
        arguments: [GGMLType.f16, .q8_0])
    func panels(type: GGMLType) throws {
        let rows = 200, cols = 64, m = 5
        let path = try Self.writeMatrix(type, rows: rows, cols: cols, seed: 7)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try GGUFFile(path: path)
        let info = try file.requireTensor(named: "m")
        let mapped = LinearWeight(mapped: try #require(MappedMatrix(file: file, tensor: info)))
        let dense = LinearWeight(weight: FloatBuffer(try file.dequantize(info)), rows: rows, cols: cols)
        #expect(mapped.dense == nil)
        var rng = SeededGenerator(state: 3)
        let x = FloatBuffer((0..<(m * cols)).map { _ in rng.nextSymmetric() })
        // Panels of 16 rows: 12 full ones and a last one of 8, claimed by the pool's threads.
        let small = PanelWorkspace(targetFloats: 16 * cols)
        #expect(PooledProduct.chunkRows(rows: rows, cols: cols, threads: 2, targetFloats: small.targetFloats) == 16)
        // Without a panel limit, about two chunks per thread, whole multiples of 16 rows.
        #expect(PooledProduct.chunkRows(rows: rows, cols: cols, threads: 2, targetFloats: 1 << 20) == 64)
        #expect(PooledProduct.chunkRows(rows: 10, cols: cols, threads: 2, targetFloats: 1 << 20) == 10)
        for count in [m, 1] {
            let ours = FloatBuffer(count: count * rows), ref = FloatBuffer(count: count * rows)
            mapped.apply(x.pointer, ours.pointer, m: count, mode: .float32, workspace: small)
            dense.apply(x.pointer, ref.pointer, m: count, mode: .float32, workspace: PanelWorkspace())
            let scale = ref.array().map(abs).max() ?? 1
            let diff = zip(ours.array(), ref.array()).map { abs($0 - $1) }.max() ?? 0
            #expect(diff <= 1e-5 * scale, "m = \(count): max abs diff \(diff)")
        }
        // An embedding lookup dequantises just that row, to the same values.
        let row = FloatBuffer(count: cols)
        mapped.copyRow(123, into: row.pointer)
        #expect(row.array() == dense.dense!.array(123 * cols..<124 * cols))
    }

    @Test("a process that has built a model runs OpenBLAS single-threaded; prefill splits products on the pool")
    func blasSingleThreadedOnceAModelExists() throws {
        _ = try DecoderModel(config: tinyConfig(), weights: .random(config: tinyConfig(), seed: 1))
        #expect(openblas_get_num_threads() == 1)
        // Setting the thread count again (what `--threads` does) keeps OpenBLAS at one thread.
        try ComputeThreads.set(ComputeThreads.count)
        #expect(openblas_get_num_threads() == 1)
        // Each pool thread's scratch is its own and survives between calls.
        let a = try #require(pg_thread_floats(1000)), b = try #require(pg_thread_floats(10))
        #expect(a == b && Int(bitPattern: a) % 64 == 0)
    }

    /// Every matrix of a loaded model.
    static func matrices(_ w: DecoderWeights) -> [LinearWeight] {
        [w.tokenEmbedding, w.output] + w.layers.flatMap { [$0.q, $0.k, $0.v, $0.o, $0.gate, $0.up, $0.down] }
    }

    @Test(
        "a real model loads with every matrix mapped in its GGUF blocks and no float32 copy",
        .enabled(if: TestPaths.realModelTestsEnabled, "needs the model in models/"))
    func realModelIsMapped() throws {
        let model = try SharedModel.get()
        for w in Self.matrices(model.weights) {
            #expect(w.dense == nil)
            #expect(w.mapped != nil)
        }
    }

    @Test(
        "mapped and float32 storage of a real model compute the same states, logits and greedy tokens",
        .enabled(if: TestPaths.realModelTestsEnabled, "needs the model in models/"))
    func mappedEqualsFloat32() throws {
        let mapped = try SharedModel.get()
        let dense = try LlamaModel.load(from: GGUFFile(path: TestPaths.model), storage: .float32)
        #expect(Self.matrices(dense.weights).allSatisfy { $0.dense != nil })
        let seqs: [[Int32]] = [[1, 504, 3458, 282, 4649, 314, 2587, 30], [1, 1402, 338, 253]]
        let filter = HookFilter([.embed, .residPost(14), .residPost(29)])
        let a = try mapped.run(seqs, capture: filter, logits: .all)
        let b = try dense.run(seqs, capture: filter, logits: .all)
        for (x, y) in zip(a, b) {
            for hook in [HookName.embed, .residPost(14), .residPost(29)] {
                let u = try #require(x.activations(hook)), v = try #require(y.activations(hook))
                let scale = v.map(abs).max() ?? 1
                #expect(zip(u, v).map { abs($0 - $1) }.max() ?? 0 <= 1e-5 * scale, "\(hook)")
            }
            let u = try #require(x.allLogits), v = try #require(y.allLogits)
            let scale = v.map(abs).max() ?? 1
            #expect(zip(u, v).map { abs($0 - $1) }.max() ?? 0 <= 1e-5 * scale, "logits")
        }
        let params = SamplingParameters(maxTokens: 12, temperature: 0)
        for mode in DecodeMode.allCases {
            let g1 = try GenerationLoop.run(
                model: mapped.withDecodeMode(mode), prompt: seqs[0], parameters: params,
                capture: .none, stopTokens: [], piece: { _ in "" }, flush: { "" },
                onToken: { _ in true })
            let g2 = try GenerationLoop.run(
                model: dense.withDecodeMode(mode), prompt: seqs[0], parameters: params,
                capture: .none, stopTokens: [], piece: { _ in "" }, flush: { "" },
                onToken: { _ in true })
            #expect(g1.tokens == g2.tokens, "\(mode)")
        }
    }

    @Test("MemAvailable is read from /proc/meminfo text")
    func memAvailable() {
        let text = "MemTotal:       24576000 kB\nMemFree:         1000 kB\nMemAvailable:   20000000 kB\n"
        #expect(MemoryBudget.memAvailable(meminfo: text) == 20_000_000 * 1024)
        #expect(MemoryBudget.memAvailable(meminfo: "MemTotal: 5 kB\n") == nil)
        // A cgroup's page cache counts in memory.current but is reclaimed before an OOM kill.
        #expect(MemoryBudget.cgroupHeadroom(max: 4000, current: 3500, memoryStat: "anon 1000\nfile 2000\n") == 2500)
        #expect(MemoryBudget.cgroupHeadroom(max: 4000, current: 4500, memoryStat: "anon 4500\n") == 0)
    }

    @Test("a model that cannot fit is refused at load with the bytes needed and available")
    func refusesWhatCannotFit() throws {
        let config = tinyConfig()
        let path = try TinyGGUFModelTests.write(config, DecoderWeights.random(config: config, seed: 5))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try GGUFFile(path: path)
        let mapped = MemoryBudget(file: file, config: config, storage: .mapped)
        let float32 = MemoryBudget(file: file, config: config, storage: .float32)
        #expect(mapped.mappedBytes == file.fileSize && mapped.float32Bytes == 0)
        #expect(float32.float32Bytes > 0 && float32.total > mapped.total)
        do {
            _ = try DecoderWeights.load(from: file, config: config, available: mapped.total - 1)
            Issue.record("a load with too little memory did not throw")
        } catch let error as InferenceError {
            guard case .insufficientMemory(_, let needed, let available, _, _) = error else {
                Issue.record("unexpected error \(error)"); return
            }
            #expect(needed == mapped.total && available == mapped.total - 1)
            #expect(error.description.contains("needs about") && error.description.contains("is available"))
        }
        // Enough for the mapped weights but not for float32 copies: the default loads, the opt-in is refused.
        _ = try DecoderWeights.load(from: file, config: config, storage: .mapped, available: mapped.total)
        #expect(throws: InferenceError.self) {
            _ = try DecoderWeights.load(from: file, config: config, storage: .float32, available: mapped.total)
        }
    }
}
