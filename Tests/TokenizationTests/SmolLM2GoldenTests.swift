// The SmolLM2 tokenizer against the reference ids of ../shared/golden (Hugging Face tokenizers on the same GGUF).
import Foundation
import GGUF
import Testing
@testable import Tokenization

@Suite("SmolLM2 tokenizer against the golden fixtures", .enabled(if: TestPaths.runGoldenTests))
struct SmolLM2GoldenTests {
    @Test("every line of smollm2-mixed.jsonl encodes to the reference ids and decodes back")
    func mixedFixture() throws {
        let tok = try SmolLM2.tokenizer()
        let lines = try loadFixture(TestPaths.golden.appendingPathComponent("tokenizer/smollm2-mixed.jsonl"))
        #expect(lines.count == 1991)
        var failures = 0
        for (n, line) in lines.enumerated() {
            let ids = tok.encode(line.text, parseSpecial: true)
            if ids != line.ids {
                failures += 1
                if failures <= 5 {
                    Issue.record(
                        "line \(n + 1): \(line.text.debugDescription)\n  got      \(ids)\n  expected \(line.ids)")
                }
            }
            #expect(tok.decode(line.ids) == line.decoded, "line \(n + 1) decode")
        }
        #expect(failures == 0, "\(failures) of \(lines.count) lines differ")
    }

    @Test(
        "each golden prompt encodes to its token_ids",
        arguments: [
            "chat_capital", "unicode_emoji", "paris_statement", "whitespace", "truth_question", "long_paragraph",
        ])
    func goldenPrompt(_ name: String) throws {
        struct Prompt: Decodable { let text: String; let token_ids: [Int32] }
        let tok = try SmolLM2.tokenizer()
        let data = try Data(contentsOf: TestPaths.golden.appendingPathComponent("\(name).json"))
        let prompt = try JSONDecoder().decode(Prompt.self, from: data)
        #expect(tok.encode(prompt.text, parseSpecial: true) == prompt.token_ids)
        #expect(tok.decode(prompt.token_ids) == prompt.text)
    }
}

@Suite("SmolLM2 with llama.cpp's digit-isolating split", .enabled(if: TestPaths.runGoldenTests))
struct SmolLM2DigitSplitTests {
    @Test("preTokenizerOverride: .smollm reproduces Hugging Face's Digits + ByteLevel ids on every fixture line")
    func digitSplit() throws {
        let tok = try makeTokenizer(from: GGUFFile(path: TestPaths.model.path), preTokenizerOverride: .smollm)
        let differing = try JSONDecoder().decode([String: [Int32]].self, from: Data(smolLM2DigitSplitIDs.utf8))
        #expect(differing.count == 343)
        let lines = try loadFixture(TestPaths.golden.appendingPathComponent("tokenizer/smollm2-mixed.jsonl"))
        var failures = 0
        for (n, line) in lines.enumerated()
        where tok.encode(line.text, parseSpecial: true) != (differing[String(n)] ?? line.ids) {
            failures += 1
        }
        #expect(failures == 0)
    }
}

@Suite("SmolLM2 tokenizer under concurrency", .enabled(if: TestPaths.runGoldenTests))
struct ConcurrentEncodeTests {
    @Test("one tokenizer shared by 8 threads (shared word cache) gives the golden ids on every line")
    func concurrent() throws {
        let tok = try makeTokenizer(from: GGUFFile(path: TestPaths.model.path))  // fresh, so the cache starts empty
        let lines = try loadFixture(TestPaths.golden.appendingPathComponent("tokenizer/smollm2-mixed.jsonl"))
        final class Counter: @unchecked Sendable {
            let lock = NSLock()
            var wrong = 0
            func add(_ n: Int) { lock.lock(); wrong += n; lock.unlock() }
        }
        let counter = Counter()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            var wrong = 0
            for (n, line) in lines.enumerated()
            where (n + worker) % 2 == 0 && tok.encode(line.text, parseSpecial: true) != line.ids {
                wrong += 1
            }
            counter.add(wrong)
        }
        #expect(counter.wrong == 0)
    }
}
