import Foundation
import Testing
import ActivationStore
@testable import Capture
#if canImport(Glibc)
    import Glibc
#endif

/// Found by tests-interop/hostile: a named pipe given as an activation file or an .npy array blocked forever in
/// open (libhdf5, FileHandle), and as a CSV it was reported as "no such file". Each reader now refuses a path that is not a regular file, at once and saying what it is.
@Suite("Special files as inputs") struct SpecialFileTests {
    /// Runs `body` on a thread and fails the test instead of hanging when it takes more than 10 s.
    static func returnsQuickly(_ label: String, _ body: @escaping @Sendable () -> String?) -> String? {
        final class Box: @unchecked Sendable { var message: String? }
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        Thread {
            box.message = body(); done.signal()
        }.start()
        guard done.wait(timeout: .now() + 10) == .success else {
            Issue.record("\(label): still blocked after 10 s")
            return nil
        }
        return box.message
    }

    @Test("a named pipe is refused at once by every file reader, naming it a named pipe")
    func namedPipe() throws {
        let dir = try TemporaryDirectory()
        let fifo = dir.path("pipe.h5")
        #expect(mkfifo(fifo, 0o600) == 0)
        let readers: [(String, @Sendable () throws -> Void)] = [
            ("ActivationReader", { _ = try ActivationReader(path: fifo) }),
            ("NpyReader", { _ = try NpyReader(path: fifo) }),
            ("CSVReader", { _ = try CSVReader.read(path: fifo) }),
            ("QuestionsReader", { _ = try QuestionsReader.read(path: fifo) }),
        ]
        for (label, read) in readers {
            let message = Self.returnsQuickly(label) {
                do { try read(); return "accepted" } catch { return String(describing: error) }
            }
            #expect(message?.contains("named pipe") == true, "\(label): \(message ?? "blocked")")
        }
    }

    @Test("a directory or a device is named as such")
    func directoryAndDevice() throws {
        let dir = try TemporaryDirectory()
        #expect(RegularFile.problem(dir.url.path) == "is a directory")
        #expect(RegularFile.problem("/dev/null") == "is a device")
        #expect(RegularFile.problem(dir.path("missing")) == nil)
        #expect(throws: StoreError.self) { try CSVReader.read(path: "/dev/zero") }
    }
}
