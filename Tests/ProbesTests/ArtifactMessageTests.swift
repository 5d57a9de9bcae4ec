import Foundation
import Testing
#if canImport(Glibc)
    import Glibc
#endif
@testable import Probes

/// Found by tests-interop/hostile: valid JSON whose numbers do not fit their fields (a seed of -1, a layer size of
/// 2^63) was reported as "DecodingError.dataCorrupted … The given data was not valid JSON.", and a wrong type named
/// Swift's types ("Expected to decode Array<Float> …").
@Suite struct ArtifactMessageTests {
    func message(_ edit: (inout [String: Any]) -> Void) throws -> String {
        let tests = ArtifactTests()
        do { _ = try ProbeArtifact.decode(try tests.mutated(edit), path: "p.json") } catch let error as ProbeError {
            return error.description
        }
        Issue.record("accepted a bad artifact")
        return ""
    }

    static let swiftNames = #"DecodingError|dataCorrupted|not valid JSON|Array<|Expected to decode|Swift\."#

    @Test("a number out of its field's range names the problem, not DecodingError")
    func outOfRange() throws {
        let seed = try message { j in
            var t = j["training"] as! [String: Any]; t["seed"] = -1; j["training"] = t
        }
        let huge = try message { j in
            j["kind"] = "mlp"
            j["parameters"] = [
                "layers": [["inputs": 8, "outputs": UInt64(1) << 63, "weights": [Float](), "bias": [Float]()]]
            ]
        }
        for text in [seed, huge] {
            #expect(text.contains("out of range"), "\(text)")
            #expect(text.range(of: Self.swiftNames, options: .regularExpression) == nil, "\(text)")
        }
    }

    @Test("a wrong type says what JSON was expected, not Swift's type name")
    func wrongType() throws {
        let text = try message { j in
            var p = j["parameters"] as! [String: Any]; p["weights"] = "0.1,0.2"; j["parameters"] = p
        }
        #expect(text.contains("parameters.weights") && text.contains("array"), "\(text)")
        #expect(text.range(of: Self.swiftNames, options: .regularExpression) == nil, "\(text)")
    }

    @Test("a named pipe as the probe path is named as such (it read \"You don't have permission.\")")
    func namedPipe() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("probe-\(UUID().uuidString).json").path
        #expect(mkfifo(path, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: ProbeError.self) { try ProbeArtifact.load(from: path) }
        #expect(error?.description.contains("named pipe") == true, "\(String(describing: error))")
    }
}
