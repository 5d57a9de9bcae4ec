import Foundation
import Testing
import Hooks
@testable import ActivationStore

@Suite("Files written by other tools") struct ForeignFileTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/h5py_written.h5").path

    @Test("an h5py-written file in the schema (no hooks/committed_rows attributes) reads correctly")
    func h5pyFile() throws {
        let reader = try ActivationReader(path: Self.fixture)
        #expect(reader.header.hooks == [.residPost(1)])
        #expect(reader.header.position == .mean && reader.header.modelName == "hf-model")
        #expect(reader.count == 10)
        let expectedSources: [String] = Array(repeating: "a", count: 6) + Array(repeating: "b", count: 4)
        #expect(try reader.sources() == expectedSources)
        #expect(try reader.texts(3..<5) == ["text 3", "text 4"])
        let rows = try reader.rows(hook: .residPost(1), examples: 2..<4)
        var expected: [Float] = []
        for i in 2..<4 { for j in 0..<8 { expected.append(Float(Double(i) + Double(j) / 100)) } }
        #expect(rows == expected)
    }

    @Test("inspect's summary counts labels and sources and renders them")
    func summary() throws {
        let summary = try StoreSummary.read(path: Self.fixture)
        #expect(summary.labels == .init(trueCount: 5, falseCount: 4, unknown: 1))
        #expect(summary.sources == [.init(name: "a", count: 6), .init(name: "b", count: 4)])
        let hook = try #require(summary.hooks.first)
        #expect(hook.compression == "gzip-4")
        #expect(hook.chunks == [4, 8])
        #expect(summary.exampleArrays["label"] == 10)
        #expect(summary.text.contains("true 5 (50.0%)"))
        let json = try JSONEncoder().encode(summary)
        let decoded = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        let labels = decoded?["labels"] as? [String: Int]
        #expect(labels?["unknown"] == 1)
    }
}

@Suite("File kind detection") struct FileKindTests {
    @Test("the HDF5 signature check tells activation files from other files")
    func signature() throws {
        let dir = try TemporaryDirectory()
        #expect(StoreSchema.looksLikeHDF5(path: ForeignFileTests.fixture))
        #expect(!StoreSchema.looksLikeHDF5(path: try dir.write("x.gguf", "GGUF....")))
        #expect(!StoreSchema.looksLikeHDF5(path: dir.path("missing.h5")))
    }
}
