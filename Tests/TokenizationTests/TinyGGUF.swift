// Writes a minimal GGUF v3 file holding only metadata (no tensors), for factory tests with hand-made vocabularies.
// Layout per the GGUF spec (ggml/docs/gguf.md): magic, version, tensor count, kv count, then typed key-values.
import Foundation
import GGUF
@testable import Tokenization

enum TinyGGUF {
    /// Little-endian bytes of the values, then a temporary file holding them.
    private struct Buffer {
        var bytes: [UInt8] = []
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes.append(contentsOf: s.utf8) }

        mutating func value(_ v: GGUFValue) throws {
            switch v {
            case .uint32(let x): u32(x)
            case .int32(let x): i32(x)
            case .bool(let b): bytes.append(b ? 1 : 0)
            case .string(let s): string(s)
            case .float32(let f): u32(f.bitPattern)
            case .array(let items):
                u32(items.first?.typeCode ?? 8)
                u64(UInt64(items.count))
                for item in items { try value(item) }
            default: throw FixtureError(description: "TinyGGUF cannot write \(v.typeDescription)")
            }
        }
    }

    /// A GGUF file with `metadata` (written in key order) and no tensors; returns its path.
    static func write(_ metadata: [(String, GGUFValue)]) throws -> String {
        var b = Buffer()
        b.bytes.append(contentsOf: Array("GGUF".utf8))
        b.u32(3)
        b.u64(0)
        b.u64(UInt64(metadata.count))
        for (key, v) in metadata {
            b.string(key)
            b.u32(v.typeCode)
            try b.value(v)
        }
        while b.bytes.count % 32 != 0 { b.bytes.append(0) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tiny-\(UUID().uuidString).gguf").path
        try Data(b.bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A byte-level vocabulary: the 256 byte tokens, then `extra` normal tokens, then `special` control tokens.
    static func byteLevelVocabulary(extra: [String], special: [String] = []) -> (tokens: [String], types: [Int32]) {
        let bytes = (0..<256).map { String(Character(ByteLevel.characterForByte[$0])) }
        let tokens = bytes + extra + special
        let types =
            [Int32](repeating: 1, count: bytes.count + extra.count) + [Int32](repeating: 3, count: special.count)
        return (tokens, types)
    }

    /// Metadata of a small `gpt2` tokenizer; `overrides` replace or add keys.
    static func gpt2Metadata(
        pre: String = "llama-bpe", tokens: [String], types: [Int32], merges: [String],
        overrides: [(String, GGUFValue)] = []
    ) -> [(String, GGUFValue)] {
        var m: [(String, GGUFValue)] = [
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string(pre)),
            ("tokenizer.ggml.tokens", .array(tokens.map { .string($0) })),
            ("tokenizer.ggml.token_type", .array(types.map { .int32($0) })),
            ("tokenizer.ggml.merges", .array(merges.map { .string($0) })),
        ]
        for (k, v) in overrides {
            if let i = m.firstIndex(where: { $0.0 == k }) { m[i].1 = v } else { m.append((k, v)) }
        }
        return m
    }
}
