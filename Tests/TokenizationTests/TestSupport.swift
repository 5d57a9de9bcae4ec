// Paths to the real model and ../shared fixtures, and the skip-unless-CI rule of HELPERS.md.
import Foundation
import GGUF
@testable import Tokenization

enum TestPaths {
    /// The repository root, found from this file's path (Tests/TokenizationTests/TestSupport.swift).
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let model = root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
    static let shared = root.appendingPathComponent("../shared").standardized
    static let golden = shared.appendingPathComponent("golden")

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }
    static var hasModel: Bool { FileManager.default.fileExists(atPath: model.path) }
    static var hasGolden: Bool {
        FileManager.default.fileExists(atPath: golden.appendingPathComponent("tokenizer/smollm2-mixed.jsonl").path)
    }
    /// Run real-model tests when the files exist; under CI run them anyway so that a missing file fails.
    static var runModelTests: Bool { isCI || hasModel }
    static var runGoldenTests: Bool { isCI || (hasModel && hasGolden) }
}

/// Error for a fixture the test could not read.
struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// One line of a `*-mixed.jsonl` tokenizer fixture.
struct TokenizerFixtureLine: Decodable {
    let text: String
    let ids: [Int32]
    let decoded: String
}

/// Reads a JSON-lines tokenizer fixture.
func loadFixture(_ url: URL) throws -> [TokenizerFixtureLine] {
    let data = try String(contentsOf: url, encoding: .utf8)
    let decoder = JSONDecoder()
    return try data.split(separator: "\n").map { line in
        try decoder.decode(TokenizerFixtureLine.self, from: Data(line.utf8))
    }
}

/// The SmolLM2 tokenizer built from the real GGUF, loaded once for all tests (nil when the model is missing).
enum SmolLM2 {
    static let loaded: Result<any Tokenizer, any Error> = Result {
        let file = try GGUFFile(path: TestPaths.model.path)
        return try makeTokenizer(from: file)
    }

    /// The tokenizer, or the load error (a missing model under CI fails the test).
    static func tokenizer() throws -> any Tokenizer { try loaded.get() }
}
