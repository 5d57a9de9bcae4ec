import Foundation
import GGUF
import Testing
@testable import Inference

/// Hardening issue, defects 5, 6 and 13: hyper-parameters that used to trap (overflow, inverted ranges), to size
/// huge tables before any tensor was checked, or to load a silently useless model are refused with a clear error.
@Suite("Hostile GGUF hyper-parameters")
struct HostileConfigTests {
    static let cases: [(String, String, GGUFValue)] = [
        ("rope.dimension_count = -2", "llama.rope.dimension_count", .int32(-2)),  // defect 5: RoPE table range
        ("key_length = 2^61", "llama.attention.key_length", .uint64(1 << 61)),  // defect 5: heads × width
        ("head_count = 2^62", "llama.attention.head_count", .uint64(1 << 62)),  // defect 5
        ("head_count_kv = 2^62", "llama.attention.head_count_kv", .uint64(1 << 62)),  // defect 5
        ("block_count = 2^40", "llama.block_count", .uint64(1 << 40)),  // defect 6: per-layer tables
        ("rope.freq_base = NaN", "llama.rope.freq_base", .float32(.nan)),  // defect 13
        ("rope.freq_base = 0", "llama.rope.freq_base", .float32(0)),  // defect 13
        ("rope.freq_base < 0", "llama.rope.freq_base", .float32(-5)),  // defect 13
        ("rms_epsilon = inf", "llama.attention.layer_norm_rms_epsilon", .float32(.infinity)),  // defect 13
        ("context_length = 2^50", "llama.context_length", .uint64(1 << 50)),
        // Found by tests-interop/hostile: optional keys of the wrong type were replaced by defaults silently
        // (defect 13), and value_length was never read although values are computed with the key width.
        ("rope.freq_base a string", "llama.rope.freq_base", .string("1e4")),
        ("head_count_kv a string", "llama.attention.head_count_kv", .string("2")),
        ("key_length a float", "llama.attention.key_length", .float32(8)),
        ("rope.dimension_count a bool", "llama.rope.dimension_count", .bool(true)),
        ("value_length = 0", "llama.attention.value_length", .uint32(0)),
        ("value_length = 2^61", "llama.attention.value_length", .uint64(1 << 61)),
    ]

    @Test("each hostile value is a clear InferenceError at load", arguments: 0..<cases.count)
    func hostile(index: Int) throws {
        let (label, key, value) = Self.cases[index]
        let config = tinyConfig()
        let path = try TinyGGUFModelTests.write(config, .random(config: config, seed: 3)) { $0.set(key, value) }
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ArchitectureRegistry.makeModel(from: GGUFFile(path: path))
            Issue.record("\(label): loaded without an error")
        } catch let error as InferenceError {
            // The message names the key (without the architecture prefix, which some checks leave out).
            let name = key.split(separator: ".").dropFirst().joined(separator: ".")
            #expect(String(describing: error).contains(name), "\(label): \(error)")
        }
    }

    @Test("inspect's hook list refuses a block count the file cannot hold (defect 6)")
    func hookNamesBounded() throws {
        let config = tinyConfig()
        let path = try TinyGGUFModelTests.write(config, .random(config: config, seed: 4)) {
            $0.set("llama.block_count", .uint64(1 << 40))
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: InferenceError.self) { try ArchitectureRegistry.hookNames(for: GGUFFile(path: path)) }
    }
}
