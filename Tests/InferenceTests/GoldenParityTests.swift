import Foundation
import Testing
@testable import Inference

/// Parity with the float32 HF transformers reference in ../shared/golden (see its README).
/// Tolerance: max |ours - reference| ≤ 1e-4 · max |reference| for every tensor (float32 summation order differs;
/// measured on this machine: ≤ 2e-6 relative, e.g. 0.035 on blocks.14.hook_resid_post whose values reach 2e4).
@Suite(
    "Golden parity (SmolLM2-135M-Instruct Q4_1)",
    .enabled(if: TestPaths.realModelTestsEnabled, "needs the model in models/ and ../shared/golden"))
struct GoldenParityTests {
    static let prompts = [
        "chat_capital", "unicode_emoji", "paris_statement", "whitespace", "truth_question",
        "long_paragraph",
    ]
    static let relativeTolerance: Float = 1e-4

    @Test("last-position logits and the golden hooks match the reference", arguments: prompts)
    func parity(prompt: String) throws {
        try expectGoldenParity(
            try SharedModel.get(), prompt: prompt, dir: TestPaths.golden, middle: 15,
            tolerance: Self.relativeTolerance, label: "parity")
    }
}
