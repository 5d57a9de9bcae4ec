// The hand-written split scanners against the published split regexes (run by NSRegularExpression, an
// independent engine) and against hand-checked examples of each family's rules.
import Foundation
import Testing
@testable import Tokenization

/// The split patterns as llama.cpp / Hugging Face publish them, for the oracle.
private let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
private let llama3Pattern =
    #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
private let qwen2Pattern =
    #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

/// Splits `text` with a regex: the matches, in order (the patterns leave no gaps).
private func regexSplit(_ text: String, _ pattern: String) throws -> [String] {
    let regex = try NSRegularExpression(pattern: pattern)
    let ns = text as NSString
    return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range) }
}

/// Every text of the three mixed fixtures (SmolLM2, Qwen2.5, Gemma 3): scripts, digits, whitespace, emoji, code.
private func fixtureTexts() throws -> [String] {
    let files = [
        "tokenizer/smollm2-mixed.jsonl", "qwen2.5-coder-0.5b/tokenizer/qwen2.5-coder-0.5b-mixed.jsonl",
        "gemma3-270m/tokenizer/gemma3-270m-mixed.jsonl",
    ]
    return try files.flatMap { try loadFixture(TestPaths.golden.appendingPathComponent($0)).map(\.text) }
}

@Suite("Pre-tokenizer scanners")
struct PreTokenizerTests {
    @Test(
        "the scanners cut every fixture text exactly as the published regexes do",
        .enabled(if: TestPaths.isCI || TestPaths.hasGolden),
        arguments: [(PreTokenizer.gpt2, gpt2Pattern), (.llama3, llama3Pattern), (.qwen2, qwen2Pattern)])
    func matchesRegexOracle(_ pre: PreTokenizer, _ pattern: String) throws {
        let texts = try fixtureTexts()
        #expect(texts.count > 2000)
        var differing = 0
        for text in texts {
            let expected = try regexSplit(text, pattern)
            let got = pre.split(text)
            if got != expected {
                differing += 1
                if differing <= 3 {
                    Issue.record("\(pre): \(text.debugDescription)\n  got      \(got)\n  expected \(expected)")
                }
            }
        }
        #expect(differing == 0)
    }

    @Test("GPT-2 keeps a space with the word after it and leaves the last space of a run for the next word")
    func gpt2Rules() {
        #expect(PreTokenizer.gpt2.split("Hello  world's 2024!") == ["Hello", " ", " world", "'s", " 2024", "!"])
        #expect(PreTokenizer.gpt2.split("a\r\n2") == ["a", "\r", "\n", "2"])
        #expect(PreTokenizer.gpt2.split("I'M  ") == ["I", "'", "M", "  "])  // contractions are lower-case only
    }

    @Test("SmolLM (llama.cpp) isolates every digit before the GPT-2 split")
    func smollmRules() {
        #expect(PreTokenizer.smollm.split("x   7,606") == ["x", "   ", "7", ",", "6", "0", "6"])
        #expect(PreTokenizer.smollm.split("°C\r\n2") == ["°", "C", "\r\n", "2"])
    }

    @Test("Llama 3 groups up to three digits, lets one symbol lead a word and matches contractions in any case")
    func llama3Rules() {
        #expect(PreTokenizer.llama3.split("1234567 (word) I'M") == ["123", "456", "7", " (", "word", ")", " I", "'M"])
        #expect(PreTokenizer.llama3.split("x \n\n  y") == ["x", " \n\n", " ", " y"])
        #expect(PreTokenizer.llama3.split("\tTab") == ["\tTab"])
    }

    @Test("Qwen 2 splits digits one at a time and is otherwise Llama 3")
    func qwen2Rules() {
        #expect(PreTokenizer.qwen2.split("in 2024, it's") == ["in", " ", "2", "0", "2", "4", ",", " it", "'s"])
        #expect(PreTokenizer.qwen2.split("a.\n\nb") == ["a", ".\n\n", "b"])
    }

    @Test("scalars are classified per Unicode scalar, not per grapheme: a combining mark stands apart")
    func combiningMark() {
        #expect(PreTokenizer.gpt2.split("cafe\u{301} ok") == ["cafe", "\u{301}", " ok"])
    }

    @Test("GGUF pre-tokenizer names map to scanners")
    func ggufNames() {
        #expect(PreTokenizer(ggufName: "llama-bpe") == .llama3)
        #expect(PreTokenizer(ggufName: "qwen2") == .qwen2)
        #expect(PreTokenizer(ggufName: "smollm") == .smollm)
        #expect(PreTokenizer(ggufName: "deepseek-llm") == nil)
    }
}
