// Tokenizer behaviour beyond the fixtures: merge ranks, special-token parsing, BOS, streaming, metadata errors.
import Foundation
import GGUF
import Testing
@testable import Tokenization

/// A small Llama-3-style tokenizer: merges h+e, l+l, he+ll, hell+o, Ġ+w; control token <|eot_id|>.
private func tinyTokenizer(pre: String = "llama-bpe", overrides: [(String, GGUFValue)] = []) throws -> any Tokenizer {
    let vocab = TinyGGUF.byteLevelVocabulary(
        extra: ["he", "ll", "hell", "hello", "Ġw", "wor"], special: ["<|begin_of_text|>", "<|eot_id|>"])
    let path = try TinyGGUF.write(
        TinyGGUF.gpt2Metadata(
            pre: pre, tokens: vocab.tokens, types: vocab.types,
            merges: ["h e", "l l", "he ll", "hell o", "Ġ w"],
            overrides: [
                ("tokenizer.ggml.bos_token_id", .uint32(262)), ("tokenizer.ggml.eos_token_id", .uint32(263)),
                ("tokenizer.ggml.add_bos_token", .bool(true)),
            ] + overrides))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try makeTokenizer(from: try GGUFFile(path: path))
}

@Suite("Tokenizer behaviour")
struct TokenizerBehaviourTests {
    @Test("merges apply by rank inside each word; unmerged bytes stay single")
    func mergeRanks() throws {
        let tok = try tinyTokenizer()
        let ids = tok.encode("hello world", parseSpecial: false)
        #expect(ids.map { tok.token(for: $0) ?? "?" } == ["hello", "Ġw", "o", "r", "l", "d"])
        #expect(tok.decode(ids) == "hello world")
    }

    @Test("llama-bpe takes a whole word from the vocabulary even when no merge builds it")
    func ignoreMerges() throws {
        let tok = try tinyTokenizer()
        #expect(tok.encode("wor", parseSpecial: false).map { tok.token(for: $0) } == ["wor"])
        let gpt2 = try tinyTokenizer(pre: "gpt-2")
        #expect(gpt2.encode("wor", parseSpecial: false).map { gpt2.token(for: $0) } == ["w", "o", "r"])
    }

    @Test("control tokens are matched only with parseSpecial; BOS goes first once with encodePrompt")
    func specialParsing() throws {
        let tok = try tinyTokenizer()
        #expect(tok.encode("hello<|eot_id|>", parseSpecial: true).last == 263)
        #expect(!tok.encode("hello<|eot_id|>", parseSpecial: false).contains(263))
        #expect(tok.encodePrompt("hello") == [262, tok.id(for: "hello")!])
        #expect(tok.encodePrompt("<|begin_of_text|>hello") == [262, tok.id(for: "hello")!])
        #expect(tok.specialTokens.endOfTurn == [263])
        #expect(tok.decode([262, 263]) == "<|begin_of_text|><|eot_id|>")
    }

    @Test("SmolLM2 metadata: special ids, end-of-turn set, no BOS", .enabled(if: TestPaths.runModelTests))
    func smolLM2Specials() throws {
        let tok = try SmolLM2.tokenizer()
        #expect(tok.vocabularySize == 49152)
        #expect(tok.specialTokens == SpecialTokenIDs(bos: 1, eos: 2, padding: 2, unknown: 0, endOfTurn: [0, 2]))
        #expect(!tok.addsBOS)
        #expect(tok.token(for: 1) == "<|im_start|>" && tok.id(for: "<|im_end|>") == 2)
        #expect(tok.kind(of: 2) == .control && tok.kind(of: 504) == .normal)
        #expect(tok.encode("<|im_start|>", parseSpecial: false) != [1])
    }

    @Test(
        "streaming decode emits only whole characters and adds up to the full decode",
        .enabled(if: TestPaths.runGoldenTests))
    func streaming() throws {
        let tok = try SmolLM2.tokenizer()
        let lines = try loadFixture(TestPaths.golden.appendingPathComponent("tokenizer/smollm2-mixed.jsonl"))
        for line in lines.prefix(400) {
            var decoder = tok.makeStreamingDecoder()
            var text = ""
            for id in line.ids {
                let chunk = decoder.push(id)
                #expect(!chunk.unicodeScalars.contains("\u{FFFD}") || line.decoded.unicodeScalars.contains("\u{FFFD}"))
                text += chunk
            }
            text += decoder.finish()
            #expect(text == line.decoded)
        }
    }

    @Test(
        "an emoji split over byte tokens is held back until its last byte arrives",
        .enabled(if: TestPaths.runModelTests))
    func heldBack() throws {
        let tok = try SmolLM2.tokenizer()
        let ids = tok.encode("👍", parseSpecial: false)
        #expect(ids.count > 1)
        var decoder = tok.makeStreamingDecoder()
        let chunks = ids.map { decoder.push($0) }
        #expect(chunks.dropLast().allSatisfy { $0.isEmpty })
        #expect(chunks.last == "👍" && decoder.pendingByteCount == 0)
    }

    @Test("complete-prefix rule: hold an unfinished lead, pass ASCII and invalid bytes through")
    func completePrefix() {
        #expect(StreamingDecoder.completePrefixLength([0x41, 0xF0, 0x9F]) == 1)
        #expect(StreamingDecoder.completePrefixLength([0xF0, 0x9F, 0x91, 0x8D]) == 4)
        #expect(StreamingDecoder.completePrefixLength([0xE2, 0x82]) == 0)
        #expect(StreamingDecoder.completePrefixLength([0xFF]) == 1)
    }

    @Test(
        "bad tokenizer metadata is a clear error naming the key",
        arguments: [
            ([("tokenizer.ggml.model", GGUFValue.string("rwkv"))], "rwkv"),
            ([("tokenizer.ggml.pre", .string("deepseek-coder"))], "deepseek-coder"),
            ([("tokenizer.ggml.token_type", .array([.int32(1)]))], "token_type"),
            ([("tokenizer.ggml.eos_token_id", .uint32(99_999))], "eos_token_id"),
            ([("tokenizer.ggml.merges", .array([.string("nospace")]))], "merges[0]"),
            ([("tokenizer.ggml.tokens", .string("oops"))], "tokenizer.ggml.tokens"),
        ])
    func badMetadata(_ overrides: [(String, GGUFValue)], _ mention: String) throws {
        #expect {
            _ = try tinyTokenizer(overrides: overrides)
        } throws: { error in
            error is TokenizationError && String(describing: error).contains(mention)
        }
    }
}

@Suite("BPE merge strategies")
struct MergeStrategyTests {
    @Test(
        "the heap merge (long words) gives the same ids as the scan merge on every fixture word",
        .enabled(if: TestPaths.runGoldenTests))
    func heapEqualsScan() throws {
        let tok = try #require(try SmolLM2.tokenizer() as? ByteLevelBPETokenizer)
        let lines = try loadFixture(TestPaths.golden.appendingPathComponent("tokenizer/smollm2-mixed.jsonl"))
        var words = Set<[UInt8]>()
        for line in lines {
            for piece in tok.preTokenizer.split(line.text) { words.insert(Array(piece.utf8)) }
            words.insert(Array(line.text.utf8))  // whole lines too: long inputs with many merge chances
        }
        var differing = 0
        for word in words where tok.mergeWord(word, forceHeap: true) != tok.mergeWord(word, forceHeap: false) {
            differing += 1
        }
        #expect(words.count > 1000)
        #expect(differing == 0)
    }

    @Test(
        "a 200,000-letter word encodes and decodes back (no quadratic merge loop)",
        .enabled(if: TestPaths.runModelTests))
    func hugeWord() throws {
        let tok = try SmolLM2.tokenizer()
        let text = String(repeating: "abcdefghij", count: 20_000)
        let ids = tok.encode(text, parseSpecial: false)
        #expect(ids.count < text.utf8.count / 2)
        #expect(tok.decode(ids) == text)
    }
}
