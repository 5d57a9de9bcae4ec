import ActivationStore
import Foundation
import Hooks
@testable import Probes

/// A store whose label signal is split across two layers: layer 1 holds the label under a large shared nuisance,
/// layer 2 holds the same nuisance without the label. Each layer alone ranks weakly; their concatenation cancels the
/// nuisance (layer 1 − layer 2) and ranks well. Layers 0 and 3 are noise.
enum MultiLayerStore {
    static let hooks = (0..<4).map(HookName.residPost)

    static func write(_ path: String, n: Int = 400, d: Int = 8, seed: UInt64 = 7) throws {
        let header = StoreHeader(
            modelName: "tiny", modelArchitecture: "llama", modelSHA256: "feed", nLayers: 4, dModel: d,
            position: .last, promptTemplate: "", hooks: hooks)
        let writer = try ActivationWriter.create(path: path, header: header, options: .init(overwrite: true))
        var rng = SeededGenerator(seed: seed)
        var batch = ActivationBatch(examples: [], activations: [:])
        for i in 0..<n {
            let y = Int8(i % 2)
            let nuisance = Float(rng.gaussian()) * 3
            let signal: Float = y == 1 ? 1 : -1
            // Confidences that know nothing (a hybrid probe must get its signal from the layers).
            let confidence = ConfidenceSummary(
                meanLogprob: -2 + Float(rng.gaussian()), minLogprob: -4 + Float(rng.gaussian()),
                meanEntropy: 2 + Float(rng.gaussian()), meanMargin: Float(rng.gaussian()))
            batch.examples.append(
                ExampleRecord(
                    text: "s\(i)", label: y, source: "split", nTokens: 5, meta: ["group": "g\(i % 20)"],
                    confidence: confidence))
            for (l, hook) in hooks.enumerated() {
                var row = (0..<d).map { _ in Float(rng.gaussian()) }
                if l == 1 { row[0] = signal + nuisance + 0.3 * Float(rng.gaussian()) }
                if l == 2 { row[0] = nuisance + 0.3 * Float(rng.gaussian()) }
                batch.activations[hook, default: []] += row
            }
        }
        try writer.append(batch)
        try writer.close()
    }
}
