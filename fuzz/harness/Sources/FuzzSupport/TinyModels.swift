// Tiny GGUF models shared by the fuzz targets (seeds for fuzz-gguf, tokenizers for fuzz-tokenizer).
import Foundation
import GGUF
@testable import Tokenization

/// Seeds: tiny but complete llama / qwen2 / gemma3 models (1 layer, width 8) with SentencePiece and byte-level BPE
/// vocabularies; the bad-file fixtures of Tests/GGUFTests are copied next to them by fuzz/README.md's recipe.
public enum TinyModels {
    public static func seeds() throws -> [(String, [UInt8])] {
        [
            ("tiny-llama-spm.gguf", try model(arch: "llama", tokenizer: .sentencePiece)),
            ("tiny-qwen2-bpe.gguf", try model(arch: "qwen2", tokenizer: .byteLevel)),
            ("tiny-gemma3-spm.gguf", try model(arch: "gemma3", tokenizer: .sentencePiece)),
        ]
    }

    public enum Vocabulary: Sendable { case sentencePiece, byteLevel }

    public static func model(arch: String, tokenizer: Vocabulary, fullBytes: Bool = false) throws -> [UInt8] {
        let d = 8, ff = 16, heads = 2, kv = 1, headDim = 4
        var w = GGUFWriter()
        w.set("general.architecture", .string(arch))
        w.set("general.name", .string("tiny-\(arch)"))
        w.set("\(arch).block_count", .uint32(1))
        w.set("\(arch).embedding_length", .uint32(UInt32(d)))
        w.set("\(arch).feed_forward_length", .uint32(UInt32(ff)))
        w.set("\(arch).attention.head_count", .uint32(UInt32(heads)))
        w.set("\(arch).attention.head_count_kv", .uint32(UInt32(kv)))
        w.set("\(arch).attention.key_length", .uint32(UInt32(headDim)))
        w.set("\(arch).context_length", .uint32(32))
        w.set("\(arch).rope.freq_base", .float32(10000))
        w.set("\(arch).attention.layer_norm_rms_epsilon", .float32(1e-6))
        if arch == "gemma3" {
            w.set("\(arch).attention.sliding_window", .uint32(4))
            w.set("\(arch).rope.local.freq_base", .float32(10000))
        }
        let vocab: Int
        switch tokenizer {
        case .sentencePiece:
            let pieces = [
                "<unk>", "<s>", "</s>", "<start_of_turn>", "<end_of_turn>", "▁", "▁the", "▁a", "he", "t", "h",
                "e", "a", "<0x0A>", "<0x41>", "▁Hello",
            ]
            let kinds: [Int32] = [2, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6, 6, 1]
            let bytes = fullBytes ? (0..<256).map { String(format: "<0x%02X>", $0) } : []
            let allPieces =
                pieces + bytes + (fullBytes ? ["▁Paris", "▁is", "▁in", "▁France", "Par", "is", "▁P", "ar"] : [])
            let allKinds = kinds + bytes.map { _ in 6 } + (fullBytes ? [Int32](repeating: 1, count: 8) : [])
            vocab = allPieces.count
            w.set("tokenizer.ggml.model", .string("llama"))
            w.set("tokenizer.ggml.tokens", strings: allPieces)
            w.set("tokenizer.ggml.token_type", int32s: allKinds)
            w.set("tokenizer.ggml.scores", floats: (0..<allPieces.count).map { -Float($0 % 50) })
            w.set("tokenizer.ggml.bos_token_id", .uint32(1))
            w.set("tokenizer.ggml.eos_token_id", .uint32(2))
            w.set("tokenizer.ggml.unknown_token_id", .uint32(0))
            w.set(
                "tokenizer.chat_template",
                .string(
                    "{{ bos_token }}{% for m in messages %}<start_of_turn>{{ m['role'] }}\n{{ m['content'] | trim }}"
                        + "<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"))
        case .byteLevel:
            let small = [
                "!", "H", "e", "l", "o", "Ġ", "w", "r", "d", "1", "2", "He", "ll", "Ġw", "<|im_start|>", "<|im_end|>",
            ]
            let byteTokens = fullBytes ? (0..<256).map { String(Character(ByteLevel.characterForByte[$0])) } : []
            let extra =
                fullBytes
                ? [
                    "Ġt", "he", "Ġthe", "in", "Ġa", "er", "12", "ĠP", "ar", "ĠPar", "ĠPari", "is",
                    "ĠParis", "Ġi", "Ġis", "Ġin", "ĠF", "ra", "nc", "ĠFra", "ĠFranc", "ĠFrance",
                ] : []
            let tokens = byteTokens.isEmpty ? small : byteTokens + extra + small.suffix(2)
            let kinds: [Int32] = Array(repeating: 1, count: tokens.count - 2) + [3, 3]
            vocab = tokens.count
            w.set("tokenizer.ggml.model", .string("gpt2"))
            w.set("tokenizer.ggml.pre", .string("qwen2"))
            w.set("tokenizer.ggml.tokens", strings: tokens)
            w.set("tokenizer.ggml.token_type", int32s: kinds)
            w.set(
                "tokenizer.ggml.merges",
                strings: fullBytes
                    ? [
                        "Ġ t", "h e", "Ġt he", "i n", "Ġ a", "e r", "1 2", "Ġ P", "a r", "ĠP ar", "ĠPar i", "i s",
                        "ĠPari s",
                        "Ġ i", "Ġi s", "Ġi n", "Ġ F", "r a", "n c", "ĠF ra", "ĠFra nc", "ĠFranc e",
                    ]
                    : ["H e", "l l", "Ġ w"])
            w.set("tokenizer.ggml.eos_token_id", .uint32(UInt32(tokens.count - 1)))
            w.set(
                "tokenizer.chat_template",
                .string(
                    "{% for message in messages %}<|im_start|>{{ message.role }}\n{{ message.content }}<|im_end|>\n"
                        + "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"))
        }
        func add(_ name: String, _ dims: [Int]) throws {
            let count = dims.reduce(1, *)
            try w.addTensor(
                name: name, dimensions: dims, values: (0..<count).map { Float(($0 * 7919) % 17) / 17 - 0.5 })
        }
        try add("token_embd.weight", [d, vocab])
        try add("output_norm.weight", [d])
        try add("blk.0.attn_norm.weight", [d])
        try add("blk.0.attn_q.weight", [d, heads * headDim])
        try add("blk.0.attn_k.weight", [d, kv * headDim])
        try add("blk.0.attn_v.weight", [d, kv * headDim])
        try add("blk.0.attn_output.weight", [heads * headDim, d])
        try add("blk.0.ffn_gate.weight", [d, ff])
        try add("blk.0.ffn_up.weight", [d, ff])
        try add("blk.0.ffn_down.weight", [ff, d])
        try add("blk.0.ffn_norm.weight", [d])
        if arch == "qwen2" {
            try add("blk.0.attn_q.bias", [heads * headDim])
            try add("blk.0.attn_k.bias", [kv * headDim])
            try add("blk.0.attn_v.bias", [kv * headDim])
        }
        if arch == "gemma3" {
            try add("blk.0.attn_q_norm.weight", [headDim])
            try add("blk.0.attn_k_norm.weight", [headDim])
            try add("blk.0.post_attention_norm.weight", [d])
            try add("blk.0.post_ffw_norm.weight", [d])
        }
        return try w.encoded()
    }
}
