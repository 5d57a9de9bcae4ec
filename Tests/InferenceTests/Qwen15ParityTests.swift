import Foundation
import GGUF
import Testing
import Tokenization
@testable import Inference

/// The 1.5B Qwen model, loaded once through the architecture registry (as the CLI does).
enum SharedQwen15 {
    static let loaded: Result<LanguageModel, Error> = Result {
        try LanguageModel.load(path: RealModelPaths.qwen15.model)
    }
    static func get() throws -> LanguageModel { try loaded.get() }
}

/// The greedy reference of ../shared/golden/qwen2.5-coder-1.5b/index.json: `greedy.new_ids` continue prompt
/// `greedy.prompt` (ending with `<|im_end|>`), `greedy.text` is their text.
struct Qwen15Greedy: Decodable {
    struct Greedy: Decodable { let prompt: String; let new_ids: [Int32]; let text: String }
    let greedy: Greedy

    init(in dir: URL) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(contentsOf: dir.appendingPathComponent("index.json")))
    }
}

/// Parity of Qwen2.5-Coder-1.5B-Instruct (Q4_K_M: Q4_K and Q6_K matrices, 28 blocks, d 1536, 12 q / 2 kv heads) with
/// the float32 HF transformers reference in ../shared/golden/qwen2.5-coder-1.5b (see its README; regenerate with
/// scripts/qwen15-reference.py). Tolerance as for the other models: max |ours - reference| ≤ 1e-4 · max |reference|
/// per tensor (float32 summation order differs).
@Suite(
    "Golden parity (Qwen2.5-Coder-1.5B-Instruct Q4_K_M)",
    .enabled(
        if: RealModelPaths.qwen15.enabled, "needs models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf and ../shared/golden"))
struct Qwen15ParityTests {
    static let prompts = ["chat_capital", "paris_statement", "mixed_unicode"]
    static let relativeTolerance: Float = 1e-4

    @Test(
        "hidden states L0/L1/L14/L28 (pre- and post-norm) and last-position logits match the reference",
        arguments: prompts)
    func parity(prompt: String) throws {
        let lm = try SharedQwen15.get()
        let golden = try expectGoldenParity(
            lm.model, prompt: prompt, dir: RealModelPaths.qwen15.golden, middle: 14,
            tolerance: Self.relativeTolerance, label: "qwen2.5-coder-1.5b parity")
        #expect(lm.tokenizer.encode(golden.text, parseSpecial: true) == golden.token_ids)
    }

    @Test(
        "the default decode kernels (24-bit activations on AVX-512 VNNI) keep every row at the reference's tolerance",
        arguments: prompts)
    func decodeKernelParity(prompt: String) throws {
        let model = try #require(try SharedQwen15.get().model as? DecoderModel).withDecodeMode(.quantized)
        _ = try expectGoldenParity(
            model, prompt: prompt, dir: RealModelPaths.qwen15.golden, middle: 14,
            tolerance: Self.relativeTolerance, label: "qwen2.5-coder-1.5b decode kernels", decodeKernels: true)
    }

    @Test(
        "the chat template renders the golden prompt and greedy decoding reproduces the reference ids",
        arguments: DecodeMode.allCases)
    func greedyChat(mode: DecodeMode) throws {
        let dir = RealModelPaths.qwen15.golden
        let reference = try Qwen15Greedy(in: dir).greedy
        let prompt = try GoldenPrompt(reference.prompt, in: dir)
        let lm = try SharedQwen15.get()
        // No system message: Qwen's template inserts its default system prompt.
        #expect(try lm.chatPrompt([.user("What is the capital of France?")]) == prompt.token_ids)
        #expect(lm.stopTokens.contains(151645))
        let model = try #require(lm.model as? DecoderModel).withDecodeMode(mode)
        var decoder = lm.tokenizer.makeStreamingDecoder()
        let gen = try GenerationLoop.run(
            model: model, prompt: prompt.token_ids, parameters: .greedy(maxTokens: 24),
            capture: .none, stopTokens: lm.stopTokens, piece: { decoder.push($0) },
            flush: { decoder.finish() }, onToken: { _ in true })
        #expect(gen.tokens + [gen.stopToken ?? -1] == reference.new_ids, "\(mode)")
        #expect(gen.finishReason == .stop && gen.text + "<|im_end|>" == reference.text, "\(mode)")
    }

    @Test("the config and hook list come from the qwen2 metadata")
    func identity() throws {
        let lm = try SharedQwen15.get(), c = lm.config
        #expect(c.architecture == "qwen2" && c.nLayers == 28 && c.dModel == 1536 && c.dFF == 8960)
        #expect(c.nHeads == 12 && c.nKVHeads == 2 && c.headDim == 128 && c.ropeDim == 128 && c.vocabSize == 151_936)
        #expect(c.ropeBase == 1_000_000 && c.rmsEpsilon == 1e-6 && !c.tiedEmbeddings)
        #expect(lm.hookNames.count == 2 + 28 * 13)
        let llama = try #require(lm.model as? DecoderModel)
        #expect(
            !llama.interleavedRope
                && llama.weights.layers.allSatisfy { $0.qBias != nil && $0.kBias != nil && $0.vBias != nil })
    }
}
