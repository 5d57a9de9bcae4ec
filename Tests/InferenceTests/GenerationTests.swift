import Foundation
import Hooks
import GGUF
import Testing
@testable import Inference

@Suite(
    "Generation with the real model",
    .enabled(if: TestPaths.realModelTestsEnabled, "needs the model in models/ and ../shared/golden"))
struct GenerationTests {
    static let shared: Result<LanguageModel, Error> = Result { try LanguageModel.load(path: TestPaths.model) }

    func golden() throws -> GoldenGreedy { try GoldenGreedy(in: TestPaths.golden) }

    @Test("greedy decoding of the golden chat prompt reproduces generate_ids exactly")
    func greedyChat() throws {
        let lm = try Self.shared.get(), g = try golden()
        #expect(lm.tokenizer.encode(g.prompt, parseSpecial: true) == g.prompt_ids)
        var streamed = ""
        let gen = try lm.generate(prompt: g.prompt_ids, parameters: .greedy(maxTokens: 32)) {
            streamed += $0.text; return true
        }
        #expect(gen.tokens + [gen.stopToken ?? -1] == g.generate_ids)
        #expect(gen.finishReason == .stop)
        #expect(gen.text == "The capital of France is Paris.")
        #expect(streamed == gen.text)
        // Without stopping, greedy ids follow the full-recompute reference while they are unambiguous
        // (the README warns engines may diverge after the end of turn).
        let long = try lm.generate(prompt: g.prompt_ids, parameters: SamplingParameters(maxTokens: 8, stopTokens: []))
        #expect(long.finishReason == .stop || long.tokens == Array(g.ids.prefix(8)))
    }

    @Test("max tokens and cancellation end generation with the right reason")
    func finishReasons() throws {
        let lm = try Self.shared.get(), g = try golden()
        let short = try lm.generate(prompt: g.prompt_ids, parameters: .greedy(maxTokens: 3))
        #expect(short.tokens == Array(g.generate_ids.prefix(3)) && short.finishReason == .length)
        let cancelled = try lm.generate(prompt: g.prompt_ids, parameters: .greedy(maxTokens: 20)) { $0.index < 1 }
        #expect(cancelled.tokens.count == 2 && cancelled.finishReason == .cancelled)
        let sampled1 = try lm.generate(
            prompt: g.prompt_ids, parameters: SamplingParameters(maxTokens: 12, temperature: 0.9, seed: 11))
        let sampled2 = try lm.generate(
            prompt: g.prompt_ids, parameters: SamplingParameters(maxTokens: 12, temperature: 0.9, seed: 11))
        #expect(sampled1.tokens == sampled2.tokens)
    }

    @Test("hooks captured during generation equal a full prefill of prompt + answer at the same positions")
    func captureDuringGeneration() throws {
        let lm = try Self.shared.get(), g = try golden()
        let filter: HookFilter = [.residPost(5), .block(12, .mlpPost), .lnFinal]
        var perToken: [[HookName: [Float]]] = []
        let gen = try lm.generate(prompt: g.prompt_ids, parameters: .greedy(maxTokens: 6), capture: filter) {
            perToken.append($0.activations); return true
        }
        #expect(gen.tokens.count == 6 && perToken.count == 6)
        let full = try lm.run([g.prompt_ids + gen.tokens], capture: filter)[0]
        let p = g.prompt_ids.count
        for hook in filter.sorted {
            let w = hook.width(in: lm.config)
            let reference = try #require(full.activations(hook))
            let (dPrompt, sPrompt) = compare(
                try #require(gen.promptActivations.activations(hook)), Array(reference[..<(p * w)]))
            let (dGen, sGen) = compare(try #require(gen.activations(hook)), Array(reference[(p * w)...]))
            #expect(dPrompt <= 1e-3 * sPrompt && dGen <= 1e-3 * sGen, "\(hook): \(dPrompt) \(dGen)")
            #expect(
                perToken[2][hook].map { Array($0) } == Array(try #require(gen.activations(hook))[(2 * w)..<(3 * w)]))
        }
    }

    @Test("the model reports its config, hooks and file digest")
    func identity() throws {
        let lm = try Self.shared.get()
        #expect(lm.config.nLayers == 30 && lm.config.dModel == 576 && lm.config.nHeads == 9 && lm.config.nKVHeads == 3)
        #expect(lm.config.vocabSize == 49152 && lm.config.tiedEmbeddings && lm.config.ropeBase == 100000)
        #expect(lm.hookNames.count == 2 + 30 * 13)
        #expect(try lm.fileSHA256 == "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
        #expect(lm.stopTokens.contains(2))
    }
}

@Suite("Hook list for inspect", .enabled(if: TestPaths.realModelTestsEnabled, "needs the model in models/"))
struct HookListTests {
    @Test("the hook list comes from metadata and matches the loaded model's")
    func hookList() throws {
        let names = try ArchitectureRegistry.hookNames(for: GGUFFile(path: TestPaths.model))
        #expect(names.first == .embed && names.last == .lnFinal && names.count == 2 + 30 * 13)
        #expect(names.contains(.residPost(29)) && !names.contains(.residPost(30)))
    }
}
