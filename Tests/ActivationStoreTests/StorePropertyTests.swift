import Foundation
import Hooks
import Testing
@testable import ActivationStore

/// Property test of the commit protocol (hardening issue): random interleavings of append, commit, kill, disk-full
/// and resume never lose a committed row and never expose an uncommitted one.
///
/// A "kill" copies the file's bytes while its writer is still open and carries on from the copy: that is what a
/// `kill -9` leaves on disk (whatever the library had handed to the OS, without its in-memory cache). The real
/// signal against a real capture is `tests-interop/test_capture_resume.sh`; a full disk is the writer's injected
/// flush failure, as in `FailedCommitTests`, and `tests-interop/test_disk_full.sh` on a real small filesystem.
@Suite struct StorePropertyTests {
    enum Operation: CustomStringConvertible {
        case append(Int), commit, kill, diskFull, close

        var description: String {
            switch self {
            case .append(let n): "append \(n)"
            case .commit: "commit"
            case .kill: "kill"
            case .diskFull: "disk full"
            case .close: "close"
            }
        }
    }

    /// The program of one seed (the package's SplitMix64).
    struct Program: IteratorProtocol {
        var generator: SeededGenerator
        var left: Int
        init(state: UInt64, left: Int) {
            generator = SeededGenerator(state: state)
            self.left = left
        }
        mutating func next() -> Operation? {
            guard left > 0 else { return nil }
            left -= 1
            let z = generator.next()
            switch z % 20 {
            case 0..<11: return .append(1 + Int((z >> 8) % 9))
            case 11..<14: return .commit
            case 14..<17: return .kill
            case 17..<19: return .diskFull
            default: return .close
            }
        }
    }

    static let header = StoreFixtures.header()
    static let diskFull = StoreError.hdf5(
        operation: "flush file", file: "x", object: "/", message: "errno = 28, 'No space left on device'")

    /// The reader sees exactly rows 0..<committed, each as it was appended.
    static func check(_ path: String, committed: Int, trace: [String]) throws {
        let reader = try ActivationReader(path: path)
        let context = Comment(rawValue: trace.joined(separator: ", "))
        #expect(reader.count == committed, context)
        guard committed > 0 else { return }
        let expected = StoreFixtures.batch(0..<committed, header: header)
        #expect(try reader.texts() == expected.examples.map(\.text), context)
        #expect(try reader.labels() == expected.examples.map(\.label), context)
        for hook in StoreFixtures.hooks {
            #expect(try reader.rows(hook: hook) == expected.activations[hook], context)
        }
    }

    @Test(
        "append / commit / kill / disk-full / resume in random order keep exactly the committed rows",
        arguments: 0..<24)
    func randomInterleavings(seed: Int) throws {
        let dir = try TemporaryDirectory()
        var path = dir.path("run0.h5")
        let options = ActivationWriter.Options(chunkRows: 4)
        var writer: ActivationWriter? = try ActivationWriter.create(
            path: path, header: Self.header,
            hookWidths: StoreFixtures.widths, options: options)
        var next = 0  // the next row to append (a resumed run restarts from the committed count)
        var committed = 0  // rows the writer has reported committed: never to be lost
        var trace: [String] = [], generation = 0
        var program = Program(state: UInt64(seed) &* 7919, left: 30)
        while let op = program.next() {
            trace.append(op.description)
            if writer == nil {  // after a kill, a failure or a close, the next run resumes
                writer = try ActivationWriter.resume(
                    path: path, header: Self.header, hookWidths: StoreFixtures.widths,
                    options: options)
                #expect(writer?.committedRows == committed, Comment(rawValue: trace.joined(separator: ", ")))
                next = committed
            }
            guard let w = writer else { continue }
            switch op {
            case .append(let n):
                try w.append(StoreFixtures.batch(next..<(next + n), header: Self.header))
                next += n
            case .commit:
                try w.commit()
            case .kill:
                generation += 1
                let copy = dir.path("run\(generation).h5")
                try FileManager.default.copyItem(atPath: path, toPath: copy)
                writer = nil  // the process is gone; its file handle goes with it
                path = copy
            case .diskFull:
                w.injectedFlushFailure = Self.diskFull
                // Whatever write comes next fails; the writer must refuse from then on and keep its last commit.
                #expect(throws: StoreError.self) {
                    try w.append(StoreFixtures.batch(next..<(next + 4), header: Self.header))
                    try w.commit()
                }
                #expect(throws: StoreError.self) { try w.close() }
                writer = nil
            case .close:
                try w.close()
                writer = nil
            }
            committed = w.committedRows  // after a kill: what was committed when the copy was taken
            #expect(committed <= next)
            if writer == nil { try Self.check(path, committed: committed, trace: trace) }
        }
        if let w = writer {
            try w.close()
            committed = next
        }
        try Self.check(path, committed: committed, trace: trace)
    }
}
