// Helpers shared by the fuzz targets.
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// The fuzz input as bytes (libFuzzer may pass a null pointer for the empty input).
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// A file the readers that take a path (GGUF's mmap, the `.npy` reader) are pointed at, rewritten per input.
/// It lives in /dev/shm when there is one (no disk writes per execution), named after the process.
public final class ScratchFile: @unchecked Sendable {
    public let path: String

    public init(_ name: String) {
        let env = ProcessInfo.processInfo.environment
        let dir =
            env["POLYGRAPH_FUZZ_TMP"]
            ?? (FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())
        path = "\(dir)/polygraph-fuzz-\(getpid())-\(name)"
        scratchPaths.append(path)
        if scratchPaths.count == 1 { atexit { for p in scratchPaths { unlink(p) } } }
    }

    /// Replaces the file's contents with `bytes`.
    public func write(_ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot write the scratch file \(path)")
        var done = 0
        bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                precondition(n > 0, "cannot write the scratch file \(path)")
                done += n
            }
        }
        close(fd)
    }
}

/// Scratch files removed at exit (the fuzz targets are single-threaded: libFuzzer runs one input at a time).
nonisolated(unsafe) private var scratchPaths: [String] = []

/// A little-endian byte writer for building inputs (seed generation).
public struct ByteWriter {
    public var bytes: [UInt8] = []
    public init() {}
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
}

/// When `POLYGRAPH_FUZZ_WRITE_SEEDS=<dir>` is set, the target writes its generated seeds there and exits
/// (used once to make fuzz/corpus/<target>/; see fuzz/README.md).
public func writeSeedsIfAsked(_ seeds: () throws -> [(String, [UInt8])]) {
    guard let dir = ProcessInfo.processInfo.environment["POLYGRAPH_FUZZ_WRITE_SEEDS"] else { return }
    do {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, bytes) in try seeds() {
            try Data(bytes).write(to: URL(fileURLWithPath: dir).appendingPathComponent(name))
        }
    } catch {
        print("cannot write seeds: \(error)")
        exit(1)
    }
    exit(0)
}

/// libFuzzer's entry for programs that have their own `main` (SwiftPM gives every executable one).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer with the process's arguments (`-max_total_time=60 corpus/` etc.) on `test`, then exits.
public func runFuzzer(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, test))
}
