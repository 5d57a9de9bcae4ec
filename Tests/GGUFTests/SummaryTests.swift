// The inspect summary: content, abbreviation of long arrays, JSON round trip.
import Foundation
import Testing
@testable import GGUF

@Suite("The inspect summary")
struct SummaryTests {
    @Test("a small file's summary lists metadata, tensors and counts by type")
    func small() throws {
        var w = GGUFWriter()
        w.set("general.architecture", "llama")
        w.set("llama.block_count", 2)
        w.set("tokenizer.ggml.tokens", strings: (0..<100).map { "t\($0)" })
        w.set("general.name", .string("multi\nline"))
        try w.addTensor(name: "a.weight", dimensions: [8, 4], values: .init(repeating: 1, count: 32), type: .f16)
        try w.addTensor(name: "b.weight", dimensions: [8], values: .init(repeating: 1, count: 8))
        try w.addTensor(name: "c.weight", dimensions: [8], values: .init(repeating: 1, count: 8))
        let path = TestPaths.temporaryFile("summary.gguf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try w.write(to: path)
        let s = try GGUFFile(path: path).summary

        #expect(s.architecture == "llama")
        #expect(s.parameterCount == 48)
        #expect(s.metadata.first { $0.key == "tokenizer.ggml.tokens" }?.value == "array[100] of string")
        #expect(s.metadata.first { $0.key == "llama.block_count" }?.value == "2")
        #expect(s.metadata.first { $0.key == "general.name" }?.value == "\"multi\\nline\"")
        #expect(s.typeCounts.map(\.type) == ["F16", "F32"])
        #expect(s.typeCounts.map(\.tensors) == [1, 2])
        #expect(
            s.tensors[0]
                == .init(name: "a.weight", type: "F16", shape: [8, 4], elements: 32, bytes: 64, offset: s.dataOffset))

        let text = s.render()
        #expect(text.hasPrefix("GGUF v3  \(path)"))
        #expect(text.contains("tokenizer.ggml.tokens"))
        #expect(text.contains("array[100] of string"))
        #expect(!text.contains("t99"))
        #expect(text.contains("a.weight"))
        #expect(text.contains("[8, 4]"))
        #expect(s.render(maxTensors: 1).contains("… 2 more"))

        let json = try JSONEncoder().encode(s)
        #expect(try JSONDecoder().decode(GGUFSummary.self, from: json) == s)
    }

    @Test("the default model's summary", .enabled(if: TestPaths.modelTestsEnabled))
    func realModel() throws {
        let s = try GGUFFile(path: TestPaths.model).summary
        #expect(s.tensors.count == 272)
        #expect(s.fileSize == 98_362_432)
        #expect(s.typeCounts.map(\.type) == ["Q4_1", "Q8_0", "F32"])
        #expect(s.metadata.first { $0.key == "tokenizer.ggml.merges" }?.value == "array[48900] of string")
        #expect(s.render().contains("token_embd.weight"))
    }
}
