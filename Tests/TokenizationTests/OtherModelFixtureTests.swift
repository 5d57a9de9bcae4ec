// Qwen 2.5 (byte-level BPE, `qwen2` split) and Gemma 3 (SentencePiece) tokenizers against their golden fixtures.
// The tests run when the GGUF is at POLYGRAPH_QWEN_GGUF / POLYGRAPH_GEMMA_GGUF or in models/, and skip otherwise;
// under CI they always run (and fail without the file): the test set-up (scripts/setup.sh --with-python) fetches both.
import Foundation
import Hooks
import GGUF
import Testing
@testable import Tokenization

/// A second model's GGUF: its environment variable, else its file in models/.
private func modelPath(env: String, file: String) -> String? {
    let candidates: [String?] = [
        ProcessInfo.processInfo.environment[env], TestPaths.root.appendingPathComponent("models/\(file)").path,
    ]
    return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0) && TestPaths.hasGolden }
}

private let qwenPath = modelPath(env: "POLYGRAPH_QWEN_GGUF", file: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")
private let gemmaPath = modelPath(env: "POLYGRAPH_GEMMA_GGUF", file: "gemma-3-270m-q4_k_m.gguf")

/// Encodes every line of a fixture and returns a description of the first few differences.
private func fixtureMismatches(_ tok: any Tokenizer, _ relativePath: String) throws -> (
    count: Int, total: Int, examples: [String]
) {
    let lines = try loadFixture(TestPaths.golden.appendingPathComponent(relativePath))
    var examples: [String] = []
    var count = 0
    for (n, line) in lines.enumerated() {
        let ids = tok.encode(line.text, parseSpecial: true)
        if ids != line.ids || tok.decode(line.ids) != line.decoded {
            count += 1
            if examples.count < 3 {
                examples.append("line \(n + 1) \(line.text.debugDescription)\n got      \(ids)\n expected \(line.ids)")
            }
        }
    }
    return (count, lines.count, examples)
}

/// decode(encode(text)) == text on random text (both vocabularies cover every byte).
private func randomRoundTripFailures(_ tok: any Tokenizer) -> [String] {
    var rng = SeededGenerator(state: 99)
    var failures: [String] = []
    for _ in 0..<300 {
        let text = randomText(&rng, length: Int(rng.next() % 80) + 1)
        if tok.decode(tok.encode(text, parseSpecial: false)) != text { failures.append(text.debugDescription) }
    }
    return failures
}

/// `text` and `token_ids` of a golden prompt.
private struct GoldenPrompt: Decodable {
    let text: String
    let token_ids: [Int32]
}

private func goldenPrompt(_ relativePath: String) throws -> GoldenPrompt {
    try JSONDecoder().decode(
        GoldenPrompt.self, from: Data(contentsOf: TestPaths.golden.appendingPathComponent(relativePath)))
}

@Suite("Qwen 2.5 tokenizer", .enabled(if: qwenPath != nil || TestPaths.isCI))
struct QwenTokenizerTests {
    /// Loaded once for all tests of the suite (Swift Testing makes one suite value per test case).
    static let loaded = Result { () throws -> (GGUFFile, any Tokenizer) in
        let file = try GGUFFile(path: qwenPath ?? "")
        return (file, try makeTokenizer(from: file))
    }
    var file: GGUFFile { get throws { try Self.loaded.get().0 } }
    var tok: any Tokenizer { get throws { try Self.loaded.get().1 } }

    @Test("random text round-trips through encode and decode")
    func roundTrip() throws {
        let failures = randomRoundTripFailures(try tok)
        #expect(failures.isEmpty, "\(failures.count) failures, e.g. \(failures.prefix(2))")
    }

    @Test("all 300 fixture lines encode to the reference ids and decode back")
    func fixture() throws {
        let result = try fixtureMismatches(try tok, "qwen2.5-coder-0.5b/tokenizer/qwen2.5-coder-0.5b-mixed.jsonl")
        #expect(result.total == 300)
        #expect(
            result.count == 0, "\(result.count) of \(result.total) differ:\n\(result.examples.joined(separator: "\n"))")
    }

    @Test(
        "golden prompts, special ids, and the GGUF chat template rendering the golden chat prompt",
        arguments: ["chat_capital", "mixed_unicode", "paris_statement"])
    func prompts(_ name: String) throws {
        let prompt = try goldenPrompt("qwen2.5-coder-0.5b/\(name).json")
        #expect(try tok.encodePrompt(prompt.text) == prompt.token_ids)
        #expect(try tok.specialTokens.eos == 151645 && tok.specialTokens.bos == 151643 && !tok.addsBOS)
        #expect(try tok.specialTokens.isEndOfTurn(151645))
        if name == "chat_capital" {
            let template = try ChatTemplate(gguf: try file, tokenizer: try tok)
            #expect(
                try template.render(messages: [.user("What is the capital of France?")], addGenerationPrompt: true)
                    == prompt.text)
        }
    }
}

@Suite("Gemma 3 tokenizer (SentencePiece)", .enabled(if: gemmaPath != nil || TestPaths.isCI))
struct GemmaTokenizerTests {
    /// Loaded once for all tests of the suite (Swift Testing makes one suite value per test case).
    static let loaded = Result { () throws -> (GGUFFile, any Tokenizer) in
        let file = try GGUFFile(path: gemmaPath ?? "")
        return (file, try makeTokenizer(from: file))
    }
    var file: GGUFFile { get throws { try Self.loaded.get().0 } }
    var tok: any Tokenizer { get throws { try Self.loaded.get().1 } }

    @Test("random text round-trips through encode and decode")
    func roundTrip() throws {
        let failures = randomRoundTripFailures(try tok)
        #expect(failures.isEmpty, "\(failures.count) failures, e.g. \(failures.prefix(2))")
    }

    @Test("all 300 fixture lines encode to the reference ids and decode back")
    func fixture() throws {
        let result = try fixtureMismatches(try tok, "gemma3-270m/tokenizer/gemma3-270m-mixed.jsonl")
        #expect(result.total == 300)
        #expect(
            result.count == 0, "\(result.count) of \(result.total) differ:\n\(result.examples.joined(separator: "\n"))")
    }

    @Test("golden prompts with BOS first, once", arguments: ["chat_capital", "mixed_unicode", "paris_statement"])
    func prompts(_ name: String) throws {
        let prompt = try goldenPrompt("gemma3-270m/\(name).json")
        #expect(try tok.addsBOS && tok.specialTokens.bos == 2)
        #expect(try tok.encodePrompt(prompt.text) == prompt.token_ids)
        #expect(try tok.specialTokens.isEndOfTurn(106) && tok.specialTokens.isEndOfTurn(1))
    }

    @Test("the base model has no chat template: a clear error pointing to --raw")
    func noTemplate() throws {
        let (file, tok) = try Self.loaded.get()
        #expect(throws: TokenizationError.noChatTemplate) { try ChatTemplate(gguf: file, tokenizer: tok) }
    }
}
