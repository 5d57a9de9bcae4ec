import Foundation
import Testing
import ActivationStore
@testable import Capture

/// Found by tests-interop/hostile: dataset inputs that crashed, hung or were reported with Foundation's own text.
@Suite("Hostile dataset inputs") struct HostileDatasetTests {
    static func jsonlMessage(_ text: [UInt8]) -> String? {
        do { _ = try QuestionsReader.parse(Data(text), path: "q.jsonl") } catch let StoreError.jsonl(_, _, message) {
            return message
        } catch { return "\(error)" }
        return nil
    }

    @Test(
        "a JSONL line that is not JSON, or not UTF-8, says so without Foundation's \"operation could not be completed\""
    )
    func jsonlMessages() throws {
        let notJSON = try #require(Self.jsonlMessage(Array("What is the capital of France?\n".utf8)))
        #expect(
            notJSON.contains("not valid JSON") && !notJSON.contains("operation could not be completed"), "\(notJSON)")
        let latin1 = try #require(
            Self.jsonlMessage(Array("{\"question\": \"M".utf8) + [0xFC] + Array("nchen?\"}\n".utf8)))
        #expect(latin1.contains("UTF-8") && !latin1.contains("operation could not be completed"), "\(latin1)")
    }

    @Test("a file without one example is an error, not a capture of 0 examples")
    func noExamples() throws {
        for text in ["", "\n \n\t\n"] {
            let message = try #require(
                Self.jsonlMessage(Array(text.utf8)), "JSONL \(text.debugDescription) was accepted")
            #expect(message.contains("no questions"), "\(message)")
        }
        for text in ["statement,label\n", "statement,label\n" + String(repeating: "\n", count: 1000)] {
            #expect {
                _ = try CSVReader.parse(Array(text.utf8), path: "d.csv")
            } throws: { error in
                guard case let StoreError.csv(_, _, message) = error else { return false }
                return message.contains("no statements")
            }
        }
    }

    @Test("a header of 100000 columns or a megabyte label is not copied whole into the error message")
    func boundedMessages() throws {
        let wide = (0..<100_000).map { "c\($0)" }.joined(separator: ",") + "\n1\n"
        let huge = "statement,label\nParis is in France.," + String(repeating: "x", count: 1 << 20) + "\n"
        for text in [wide, huge] {
            do {
                _ = try CSVReader.parse(Array(text.utf8), path: "d.csv")
                Issue.record("accepted")
            } catch {
                #expect(String(describing: error).count < 1000, "\(String(describing: error).prefix(200))")
            }
        }
    }

    @Test("an .npy path that is a directory is a clear error (it was Foundation's NSCocoaErrorDomain text)")
    func npyDirectory() throws {
        let dir = try TemporaryDirectory()
        #expect {
            _ = try NpyReader(path: dir.url.path)
        } throws: { error in
            guard case let StoreError.npy(_, message) = error else { return false }
            return message.contains("directory")
        }
    }

    @Test("--batch-size Int.max (no limit) captures instead of trapping on an arithmetic overflow")
    func hugeBatchSize() throws {
        let dir = try TemporaryDirectory()
        let csv = try CapturePipelineTests.statements(dir, "facts.csv", count: 5)
        var request = CaptureRequest(
            datasets: [csv], outPath: dir.path("o.h5"), hooks: CapturePipelineTests.hooks,
            position: .last)
        request.batchSize = .max
        let summary = try CapturePipeline(engine: FakeEngine(), request: request) { _ in }.run()
        #expect(summary.examples == 5)
    }
}
