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
        let report = try expectGoldenParity(result, prompt: prompt, dir: dir, hooks: hooks.map { ($0.0, $0.1) },
                                            tolerance: Self.relativeTolerance)
        print("parity \(prompt) [max abs diff]: " + report.joined(separator: ", "))
    }
}
