import Hooks
@testable import ActivationStore

/// Builders shared by the writer/reader tests.
enum StoreFixtures {
    static let hooks: [HookName] = [.residPost(0), .residPost(1), .block(1, .mlpPost)]
    static let widths: [HookName: Int] = [.block(1, .mlpPost): 12]

    static func header(
        position: CapturePosition = .last, sha: String = "abc123",
        hooks: [HookName] = StoreFixtures.hooks
    ) -> StoreHeader {
        StoreHeader(
            modelName: "tiny", modelArchitecture: "llama", modelSHA256: sha, nLayers: 2, dModel: 4,
            position: position, promptTemplate: "", hooks: hooks, createdAt: "2026-11-29T04:00:00Z")
    }

    /// Example `i` and its activations: deterministic, so expected values can be rebuilt. With `tokens`,
    /// example i has `1 + i % 3` activation rows (position all).
    static func batch(_ indices: Range<Int>, header: StoreHeader, tokens: Bool = false) -> ActivationBatch {
        var batch = ActivationBatch(examples: [], activations: [:], rowsPerExample: tokens ? [] : nil)
        for i in indices {
            var meta = ["group": "g\(i % 2)"]
            if i >= 5 { meta["country"] = "C\(i)" }
            batch.examples.append(
                ExampleRecord(
                    text: "statement \(i) — ü", label: Int8(i % 2), source: i < 8 ? "a" : "b",
                    nTokens: Int32(3 + i), meta: meta, answer: i % 4 == 3 ? "answer \(i)" : nil))
            let rows = tokens ? 1 + i % 3 : 1
            if tokens { batch.rowsPerExample?.append(rows) }
            for hook in header.hooks {
                let width = widths[hook] ?? header.dModel
                var random = SeededFloats(seed: UInt64(i * 1000 + (header.hooks.firstIndex(of: hook) ?? 0)))
                batch.activations[hook, default: []] += random.array(rows * width)
            }
        }
        return batch
    }
}
