import Foundation
import GGUF
import Testing
import Tokenization
@testable import Inference

/// The Qwen model, loaded once through the architecture registry (as the CLI does).
enum SharedQwen {
    static let loaded: Result<LanguageModel, Error> = Result { try LanguageModel.load(path: RealModelPaths.qwen.model) }
    static func get() throws -> LanguageModel { try loaded.get() }
}

/// Parity of the qwen2 forward pass (q/k/v biases, NeoX RoPE, untied Q8_0 head) with the float32 HF transformers
/// reference in ../shared/golden/qwen2.5-coder-0.5b (see its README).
/// Tolerance: max |ours - reference| ≤ 1e-4 · max |reference| per tensor, as for SmolLM2 (float32 summation order
/// differs; measured on this machine: ≤ 3e-6 relative, e.g. 1.2e-3 on blocks.11.hook_resid_post whose values reach 976).
@Suite(
    "Golden parity (Qwen2.5-Coder-0.5B-Instruct Q4_K_M)",
    .enabled(
        if: RealModelPaths.qwen.enabled, "needs models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf and ../shared/golden"))
struct Qwen2ParityTests {
    static let prompts = ["chat_capital", "paris_statement", "mixed_unicode"]
    static let relativeTolerance: Float = 1e-4

    @Test("hidden states L0/L1/L12/L24 and last-position logits match the reference", arguments: prompts)
    func parity(prompt: String) throws {
        let lm = try SharedQwen.get()
        let golden = try expectGoldenParity(
            lm.model, prompt: prompt, dir: RealModelPaths.qwen.golden, middle: 12,
            tolerance: Self.relativeTolerance, label: "qwen2 parity")
        #expect(lm.tokenizer.encode(golden.text, parseSpecial: true) == golden.token_ids)
    }

    @Test(
        "the chat template renders the golden prompt and greedy decoding reproduces the reference ids",
        arguments: DecodeMode.allCases)
    func greedyChat(mode: DecodeMode) throws {
        let g = try GoldenGreedy(in: RealModelPaths.qwen.golden)
        let lm = try SharedQwen.get()
        // No system message: Qwen's template inserts its default system prompt.
        #expect(try lm.chatPrompt([.user("What is the capital of France?")]) == g.prompt_ids)
        #expect(lm.stopTokens.contains(151645))
        // Same weights, this decode mode (every Q5_0/Q8_0/Q4_K/Q6_K matrix of this file has a kernel).
        let model = try #require(lm.model as? DecoderModel).withDecodeMode(mode)
        var decoder = lm.tokenizer.makeStreamingDecoder()
        let gen = try GenerationLoop.run(
            model: model, prompt: g.prompt_ids, parameters: .greedy(maxTokens: 24),
            capture: .none, stopTokens: lm.stopTokens, piece: { decoder.push($0) },
            flush: { decoder.finish() }, onToken: { _ in true })
        #expect(gen.tokens + [gen.stopToken ?? -1] == g.ids, "\(mode)")
        #expect(g.ids == g.generate_ids)
        #expect(gen.finishReason == .stop && gen.text == "The capital of France is Paris.")
    }

    @Test("the config and hook list come from the qwen2 metadata")
    func identity() throws {
        let lm = try SharedQwen.get(), c = lm.config
        #expect(c.architecture == "qwen2" && c.nLayers == 24 && c.dModel == 896 && c.dFF == 4864)
        #expect(c.nHeads == 14 && c.nKVHeads == 2 && c.headDim == 64 && c.ropeDim == 64 && c.vocabSize == 151_936)
        #expect(c.ropeBase == 1_000_000 && c.rmsEpsilon == 1e-6 && !c.tiedEmbeddings)
        #expect(lm.hookNames.count == 2 + 24 * 13)
        #expect(try ArchitectureRegistry.hookNames(for: lm.file) == lm.hookNames)
        let llama = try #require(lm.model as? DecoderModel)
        #expect(
            !llama.interleavedRope
                && llama.weights.layers.allSatisfy { $0.qBias != nil && $0.kBias != nil && $0.vBias != nil })
    }
}
