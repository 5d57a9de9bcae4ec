// Fuzz target: tokenization of arbitrary text (prompts, dataset statements, chat messages) and detokenization of
// arbitrary id sequences, with byte-level BPE (qwen2, llama-bpe and gpt-2 pre-tokenizers) and SentencePiece.
// The first input byte chooses the tokenizer and mode; the rest is the text (or the ids, 2 bytes each).
import Foundation
import FuzzSupport
import GGUF
import Tokenization

/// The tokenizers, built once from tiny GGUF files with full byte vocabularies.
let tokenizers: [any Tokenizer] = {
    let scratch = ScratchFile("tokenizer.gguf")
    var out: [any Tokenizer] = []
    for (vocabulary, pre) in [
        (TinyModels.Vocabulary.byteLevel, PreTokenizer.qwen2), (.byteLevel, .llama3),
        (.byteLevel, .gpt2), (.sentencePiece, nil),
    ] {
        do {
            scratch.write(try TinyModels.model(arch: "llama", tokenizer: vocabulary, fullBytes: true))
            out.append(try makeTokenizer(from: GGUFFile(path: scratch.path), preTokenizerOverride: pre))
        } catch {
            fatalError("cannot build the fuzz tokenizers: \(error)")
        }
    }
    return out
}()

/// With POLYGRAPH_FUZZ_WRITE_SEEDS=<dir>: writes this target's seeds there and exits.
func writeSeeds() {
    writeSeedsIfAsked {
        [
            ("bpe-text", [0x00] + Array("Paris is in France. The 12 apples, 123456 times!\n\n  x".utf8)),
            ("bpe-special", [0x05] + Array("<|im_start|>user\nHello<|im_end|><|im_start|>assistant\n".utf8)),
            ("bpe-unicode", [0x01] + Array("naïve café 東京 🙂 \u{0301}e\t\r\n'll 've 's".utf8)),
            ("spm-text", [0x03] + Array(" Paris is in France.\nThe a he".utf8)),
            ("spm-special", [0x07] + Array("<s>Hello</s><start_of_turn>x".utf8)),
            ("invalid-utf8", [0x02, 0xFF, 0xC3, 0x28, 0xE2, 0x82, 0x41]),
            ("ids", [0x08, 1, 0, 40, 0, 200, 1, 255, 255, 10, 1]),
            ("spm-ids", [0x0B, 1, 0, 2, 0, 13, 1, 14, 1, 20, 0]),
        ]
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard let mode = bytes.first else { return 0 }
    let tokenizer = tokenizers[Int(mode & 3)]
    let rest = bytes.dropFirst()
    var ids: [Int32]
    if mode & 8 == 0 {
        let text = String(decoding: rest, as: UTF8.self)
        ids = tokenizer.encodePrompt(text, parseSpecial: mode & 4 != 0)
    } else {
        // Ids as a model emits them: within the vocabulary (the embedding rows are checked against it at load).
        let count = Int32(tokenizer.vocabularySize)
        ids = stride(from: rest.startIndex, to: rest.endIndex - 1, by: 2).map {
            Int32(UInt16(rest[$0]) | UInt16(rest[$0 + 1]) << 8) % count
        }
    }
    _ = tokenizer.decode(ids)
    var streaming = tokenizer.makeStreamingDecoder()
    for id in ids { _ = streaming.push(id) }
    _ = streaming.finish()
    return 0
}
