import BLASSupport
import Checksum
import Foundation
import Testing
@testable import Inference

@Suite("Loading errors and small utilities")
struct LoadErrorTests {
    @Test("a missing model file says what to do")
    func missingFile() {
        do {
            _ = try LanguageModel.load(path: "/nonexistent/model.gguf")
            Issue.record("expected an error")
        } catch {
            #expect(String(describing: error).contains("fetch-model.sh"))
        }
    }

    @Test("a thread count outside 1…64 is refused and the count in effect is unchanged")
    func threads() throws {
        let before = ComputeThreads.count
        #expect(throws: InferenceError.self) { try ComputeThreads.set(0) }
        #expect(throws: InferenceError.self) { try ComputeThreads.set(ComputeThreads.maximum + 1) }
        #expect(ComputeThreads.count == before)
        try ComputeThreads.set(before)
        #expect(QuantizedMatrix.workers == before)
    }

    @Test("a thread count set after BLAS went single-threaded (a model built, a sweep run) keeps it single-threaded")
    func threadsKeepBLASSingle() throws {
        let before = ComputeThreads.count
        BLASRuntime.singleThreadedCalls()
        try ComputeThreads.set(max(2, before))
        #expect(BLASRuntime.threads == 1)
        try ComputeThreads.set(before)
    }

    @Test(
        "SHA-256 matches the FIPS 180-4 test vectors",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
        ])
    func sha256(input: String, expected: String) throws {
        let path = TestPaths.temporaryFile("sha.txt")
        try Data(input.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try SHA256Hasher.hexDigest(ofFile: path) == expected)
        var h = SHA256Hasher()
        for byte in input.utf8 { h.update(Data([byte])) }
        #expect(h.finalize() == expected)
    }
}
