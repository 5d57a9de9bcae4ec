// Paths shared by the GGUF tests: the repository root, the default model, the fixtures folder.
import Foundation
import Testing

enum TestPaths {
    /// The repository root, three levels above this file (Tests/GGUFTests/TestSupport.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The default model at `<root>/models/`.
    static let model = root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path

    /// True when CI is set: tests that need the real model then run (and fail) instead of being skipped.
    static let isCI = ProcessInfo.processInfo.environment["CI"] != nil

    /// Whether a real-model test should run: the model is there, or CI demands it.
    static let modelTestsEnabled = FileManager.default.fileExists(atPath: model) || isCI

    /// The checked-in fixtures folder (a copied resource, also reachable from the source tree).
    static let fixtures: URL = {
        if let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) { return url }
        return root.appendingPathComponent("Tests/GGUFTests/Fixtures")
    }()

    /// A fresh temporary file path.
    static func temporaryFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("gguf-test-\(UUID().uuidString)-\(name)").path
    }
}
