import ActivationStore
import Foundation
import Hooks
import Testing
@testable import Probes

/// Issue 10, item 2: every command reads its hook and layer options with one grammar. Each case goes through what
/// `capture --hooks H --layers L`, `sweep --hook H --layers L`, `train --hook H --layer N` / `--layers L` and
/// `generalize --hook H --layer N` do with those strings, and every command must name the same hooks.
@Suite("Hook and layer options: the same cases through every command")
struct CommandHookOptionTests {
    static let nLayers = 4
    /// Every layer stores `resid_post` and `mlp_post` (as a capture with `--hooks resid_post,mlp_post` would).
    static let stored: [HookName] = (0..<nLayers).flatMap { [HookName.residPost($0), .block($0, .mlpPost)] }

    /// (hook option, layer option, the hooks it names).
    static let cases: [(String, String, [String])] = [
        ("mlp_post", "1-2", ["blocks.1.mlp.hook_post", "blocks.2.mlp.hook_post"]),
        ("mlp.hook_post", "3", ["blocks.3.mlp.hook_post"]),
        ("resid_post", "all", (0..<nLayers).map { "blocks.\($0).hook_resid_post" }),
        ("hook_resid_post", "3, 1", ["blocks.1.hook_resid_post", "blocks.3.hook_resid_post"]),
        ("resid_post", "0,2-3", ["blocks.0.hook_resid_post", "blocks.2.hook_resid_post", "blocks.3.hook_resid_post"]),
        ("blocks.2.mlp.hook_post", "all", ["blocks.2.mlp.hook_post"]),
    ]

    /// A small store of `stored` hooks whose every hook carries the label in its first column.
    static func write(_ path: String, n: Int = 120, d: Int = 4) throws {
        let header = StoreHeader(
            modelName: "tiny", modelArchitecture: "llama", modelSHA256: "feed", nLayers: nLayers, dModel: d,
            position: .last, promptTemplate: "", hooks: stored)
        let writer = try ActivationWriter.create(path: path, header: header, options: .init(overwrite: true))
        var rng = SeededGenerator(seed: 5)
        var batch = ActivationBatch(examples: [], activations: [:])
        for i in 0..<n {
            let y = Int8(i % 2)
            batch.examples.append(ExampleRecord(text: "s\(i)", label: y, source: "s", nTokens: 3))
            for hook in stored {
                var row = (0..<d).map { _ in Float(rng.gaussian()) }
                row[0] += y == 1 ? 2 : -2
                batch.activations[hook, default: []] += row
            }
        }
        try writer.append(batch)
        try writer.close()
    }

    @Test("capture, sweep, train and generalize name the same hooks", arguments: cases)
    func sameHooks(hook: String, layers: String, expected: [String]) throws {
        let dir = StoreFiles.tempDir()
        try Self.write(dir + "/s.h5")
        // capture --hooks H --layers L
        let captured = try HookPattern.names(hooks: hook, layers: layers, nLayers: Self.nLayers)
        #expect(captured.map(\.description) == expected, "capture")
        // sweep --hook H --layers L: the layers it fits, each read at the pattern's hook
        let pattern = try HookPattern(parsing: hook)
        let loader = try ActivationLoader(paths: [dir + "/s.h5"])
        let swept = try loader.layers(of: pattern, selection: LayerSelection(parsing: layers))
        #expect(Set(swept.map(pattern.name(layer:))).sorted().map(\.description) == expected, "sweep")
        // train --hook H with --layer N (one layer; generalize reads the same hook) or --layers L (several)
        let choice: TrainJob.LayerChoice? =
            pattern.isFullName
            ? nil
            : expected.count == 1 ? try TrainJob.LayerChoice(layers) : try? TrainJob.LayerChoice(layers: layers)
        guard pattern.isFullName || choice != nil else { return }  // `all` is not a train layer list
        let trained = try TrainJob.run(
            paths: [dir + "/s.h5"], plan: .init(kind: .logistic), layer: choice, hook: pattern)
        #expect(trained.artifact.inputHooks.map(\.description) == expected, "train")
        if expected.count == 1 {
            #expect(
                pattern.name(layer: pattern.fixedLayer ?? Int(layers) ?? 0).description == expected[0], "generalize")
        }
    }

    @Test("a hook the files lack, or a layer the model lacks, is refused by name")
    func missing() throws {
        let dir = StoreFiles.tempDir()
        try Self.write(dir + "/s.h5")
        let loader = try ActivationLoader(paths: [dir + "/s.h5"])
        #expect(throws: ProbeError.self) {
            try loader.layers(of: .perLayer(.attnOut), selection: LayerSelection(parsing: "1"))
        }
        #expect(throws: HookError.layerMissing(layer: 7, available: "0-3")) {
            try loader.layers(of: .perLayer(.residPost), selection: LayerSelection(parsing: "2,7"))
        }
        #expect(throws: HookError.layerMissing(layer: 7, available: "0-3")) {
            try HookPattern.names(hooks: "resid_post", layers: "2,7", nLayers: Self.nLayers)
        }
        #expect(throws: HookError.self) { try HookPattern.names(hooks: "hook_mlp_post", layers: "1", nLayers: 4) }
    }
}
