// The default model (SmolLM2-135M-Instruct Q4_1): directory, metadata and dequantised values,
// checked against the gguf Python package (numbers in ../shared/notes/platform-facts.md §3).
import Foundation
import Testing
@testable import GGUF

@Suite(
    "The default SmolLM2 model",
    .enabled(if: TestPaths.modelTestsEnabled, "needs models/SmolLM2-135M-Instruct.Q4_1.gguf"))
struct RealModelTests {
    let file: GGUFFile

    init() throws { file = try GGUFFile(path: TestPaths.model) }

    @Test("header, tensor directory and data offset match the file")
    func directory() throws {
        #expect(file.version == 3)
        #expect(file.tensors.count == 272)
        #expect(file.metadataKeys.count == 33)
        #expect(file.alignment == 32)
        #expect(file.dataOffset == 1_785_664)
        var counts: [GGMLType: Int] = [:]
        for t in file.tensors { counts[t.type, default: 0] += 1 }
        #expect(counts == [.q4_1: 210, .f32: 61, .q8_0: 1])
        let embd = try #require(file.tensor(named: "token_embd.weight"))
        #expect(embd.dimensions == [576, 49152])
        #expect(embd.type == .q8_0)
        #expect(embd.byteCount == 576 * 49152 / 32 * 34)
        #expect(file.tensor(named: "output.weight") == nil)
        let down = try #require(file.tensor(named: "blk.0.ffn_down.weight"))
        #expect(down.dimensions == [1536, 576])
        #expect(down.rowCount == 576)
        #expect(file.bytes(of: down).count == down.byteCount)
    }

    @Test("typed metadata getters read the llama hyper-parameters and the vocabulary")
    func metadata() throws {
        #expect(try file.string("general.architecture") == "llama")
        #expect(try file.int("llama.block_count") == 30)
        #expect(try file.int("llama.embedding_length") == 576)
        #expect(try file.int("llama.attention.head_count") == 9)
        #expect(try file.int("llama.attention.head_count_kv") == 3)
        #expect(try file.int("llama.context_length") == 8192)
        #expect(try file.float("llama.rope.freq_base") == 100_000)
        #expect(try file.float("llama.attention.layer_norm_rms_epsilon") == 1e-5)
        #expect(try file.string("tokenizer.ggml.model") == "gpt2")
        #expect(try file.string("tokenizer.ggml.pre") == "smollm")
        #expect(try file.strings("tokenizer.ggml.tokens").count == 49152)
        #expect(try file.strings("tokenizer.ggml.merges").count == 48900)
        #expect(try file.ints("tokenizer.ggml.token_type").count == 49152)
        #expect(try file.optionalString("no.such.key") == nil)
    }

    @Test("a missing or mistyped key names the key and both types")
    func getterErrors() throws {
        #expect(throws: GGUFError.missingKey(path: file.path, key: "llama.nope")) { try file.int("llama.nope") }
        let error = #expect(throws: GGUFError.self) { try file.int("general.architecture") }
        #expect(error?.description.contains("general.architecture") == true)
        #expect(error?.description.contains("string") == true)
        #expect(throws: GGUFError.self) { try file.strings("llama.block_count") }
        #expect(throws: GGUFError.self) { try file.optionalFloat("general.architecture") }
    }

    @Test("dequantised Q4_1, Q8_0 and F32 tensors equal the gguf package's values")
    func dequantisedSums() throws {
        let down = try file.dequantize(named: "blk.0.ffn_down.weight")  // [576 rows, 1536]
        #expect(down.count == 576 * 1536)
        #expect(down[0] == -0.33081055)
        #expect(down[12345] == -0.022888184)
        #expect(down.last == -0.18136597)
        #expect(down.reduce(0.0) { $0 + Double($1) } == 150.63577270507812)

        let embd = try file.dequantize(named: "token_embd.weight")  // [49152 rows, 576]
        #expect(embd[0] == -0.106544495)
        #expect(embd.last == -0.04170227)
        #expect(abs(embd.reduce(0.0) { $0 + Double($1) } - -15353.04449415207) < 1e-6)

        let norm = try file.dequantize(named: "output_norm.weight")
        #expect(norm.reduce(0.0) { $0 + Double($1) } == 1038.33203125)
    }
}

@Suite(
    "The default model, cut short",
    .enabled(if: TestPaths.modelTestsEnabled, "needs models/SmolLM2-135M-Instruct.Q4_1.gguf"))
struct TruncatedModelTests {
    /// Copies the first `length` bytes of the model to a temporary file.
    static func prefix(_ length: Int) throws -> String {
        let handle = try #require(FileHandle(forReadingAtPath: TestPaths.model))
        defer { try? handle.close() }
        let data = try handle.read(upToCount: length) ?? Data()
        let path = TestPaths.temporaryFile("cut-\(length).gguf")
        FileManager.default.createFile(atPath: path, contents: data)
        return path
    }

    // Cut at 1000 bytes, even the 272-entry tensor directory could not fit in the whole file: an absurd count.
    @Test(
        "a file cut in the metadata, the tensor directory or the data gives truncated / out-of-bounds errors",
        arguments: [
            (1000, "absurdCount"), (900_000, "truncated"), (1_780_000, "truncated"),
            (1_785_664 + 4096, "tensorOutOfBounds"), (98_362_000, "tensorOutOfBounds"),
        ])
    func cut(length: Int, kind: String) throws {
        let path = try Self.prefix(length)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: GGUFError.self) { _ = try GGUFFile(path: path) }
        #expect(error.map(BadFileTests.caseName) == kind, "\(String(describing: error))")
        #expect(error?.description.contains(path) == true)
        if let offset = error?.offset { #expect(offset <= length) }
    }
}
