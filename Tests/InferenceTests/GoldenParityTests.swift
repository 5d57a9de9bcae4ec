import Foundation
import Testing
@testable import Inference

/// Parity with the float32 HF transformers reference in ../shared/golden (see its README).
/// Tolerance: max |ours - reference| ≤ 1e-4 · max |reference| for every tensor (float32 summation order differs;
/// measured on this machine: ≤ 2e-6 relative, e.g. 0.035 on blocks.14.hook_resid_post whose values reach 2e4).
@Suite("Golden parity (SmolLM2-135M-Instruct Q4_1)",
       .enabled(if: TestPaths.realModelTestsEnabled, "needs the model in models/ and ../shared/golden"))
struct GoldenParityTests {
    static let prompts = ["chat_capital", "unicode_emoji", "paris_statement", "whitespace", "truth_question",
                          "long_paragraph"]
    static let relativeTolerance: Float = 1e-4

    struct Golden: Decodable { let token_ids: [Int32] }

    @Test("last-position logits and the golden hooks match the reference", arguments: prompts)
    func parity(prompt: String) throws {
        let model = try SharedModel.get()
        let dir = TestPaths.golden
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: dir.appendingPathComponent("\(prompt).json")))
        let hooks: [(String, HookName)] = [("L0", .embed), ("L1", .residPost(0)), ("L15", .residPost(14)),
                                           ("L30_prenorm", .residPost(29)), ("L30", .lnFinal)]
        let result = try model.run([golden.token_ids], capture: HookFilter(hooks.map(\.1)), logits: .last)[0]
        var report: [String] = []
        for (file, hook) in hooks {
            let ref = try NPYArray(path: dir.appendingPathComponent("\(prompt)_hidden_\(file).npy").path)
            let ours = try #require(result.activations(hook))
            let (diff, scale) = compare(ours, ref.values)
            report.append("\(hook) \(diff)")
            #expect(diff <= Self.relativeTolerance * scale, "\(prompt) \(hook): max abs diff \(diff), max |ref| \(scale)")
        }
        let refLogits = try NPYArray(path: dir.appendingPathComponent("\(prompt)_logits_last.npy").path)
        let ours = try #require(result.lastLogits)
        let (diff, scale) = compare(ours, refLogits.values)
        report.append("logits \(diff)")
        #expect(diff <= Self.relativeTolerance * scale, "\(prompt) logits: max abs diff \(diff), max |ref| \(scale)")
        #expect(Sampler.argmax(ours) == Sampler.argmax(refLogits.values))
        print("parity \(prompt) [max abs diff]: " + report.joined(separator: ", "))
    }
}
