import Hooks
import Foundation
import ActivationStore
@testable import Probes

/// Writes small activation files through the real ActivationStore writer for loader and job tests.
enum StoreFiles {
    static func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "probes-tests-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `layers` resid_post hooks of width `d`; layer l carries the planted signal scaled by l (layer 0: none).
    /// `labels` overrides the alternating 1/0 labels; `nanRow` poisons one row of every hook; `text` names example i
    /// (default `s<i>`).
    static func write(
        _ path: String, n: Int = 200, d: Int = 8, layers: Int = 3, sha: String = "feed",
        labels: [Int8]? = nil, polarity: Bool = false, nanRow: Int? = nil, seed: UInt64 = 1,
        source: String = "cities", confidenceSignal: Float? = nil, text: (Int) -> String = { "s\($0)" }
    ) throws {
        let hooks = (0..<layers).map(HookName.residPost)
        let header = StoreHeader(
            modelName: "tiny", modelArchitecture: "llama", modelSHA256: sha, nLayers: layers, dModel: d,
            position: .last, promptTemplate: "", hooks: hooks)
        let writer = try ActivationWriter.create(path: path, header: header, options: .init(overwrite: true))
        var rng = SeededGenerator(seed: seed)
        var batch = ActivationBatch(examples: [], activations: [:])
        for i in 0..<n {
            let y = labels?[i] ?? Int8(i % 2)
            var meta = ["group": "g\(i % 20)"]
            if polarity { meta["polarity"] = i % 4 < 2 ? "1" : "-1" }
            var confidence: ConfidenceSummary?
            // log-probs higher and entropy lower for true rows, by `s` standard deviations
            if let s = confidenceSignal {
                let shift = y == 1 ? s / 2 : -s / 2
                confidence = ConfidenceSummary(
                    meanLogprob: -2 + shift + Float(rng.gaussian()), minLogprob: -4 + shift + Float(rng.gaussian()),
                    meanEntropy: 2 - shift + Float(rng.gaussian()), meanMargin: i == 7 ? .nan : Float(rng.gaussian()))
            }
            batch.examples.append(
                ExampleRecord(
                    text: text(i), label: y, source: source, nTokens: 5, meta: meta,
                    confidence: confidence))
            for (l, hook) in hooks.enumerated() {
                var row = (0..<d).map { _ in Float(rng.gaussian()) }
                if y >= 0 { row[0] += Float(l) * (y == 1 ? 1 : -1) }
                if nanRow == i { row[d - 1] = .nan }
                batch.activations[hook, default: []] += row
            }
        }
        try writer.append(batch)
        try writer.close()
    }
}
