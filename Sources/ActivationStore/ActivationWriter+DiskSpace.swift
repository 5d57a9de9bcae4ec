// A commit that cannot be written (full disk, quota, I/O error) fails cleanly: the file keeps its last commit.
import CHDF5
import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ActivationWriter {
    /// Reserves the disk space one commit can need before anything of it is written (hardening defect 2): on a
    /// full disk the commit is refused while the file is still exactly at its last commit. Where the file system
    /// cannot reserve space, free space is checked instead. `POLYGRAPH_SKIP_DISK_CHECK=1` turns both off.
    func reserveSpace(for batch: ActivationBatch) throws {
        guard ProcessInfo.processInfo.environment["POLYGRAPH_SKIP_DISK_CHECK"] == nil else { return }
        let needed = Self.bytesNeeded(for: batch)
        if let fd = file.descriptor {
            var info = stat()
            if fstat(fd, &info) == 0 {
                if ch5_reserve_space(fd, Int64(info.st_size), Int64(needed)) == 0 { return }
                if errno == ENOSPC || errno == EDQUOT { throw diskFull(needed: needed, rows: batch.examples.count) }
            }
        }
        if let available = Self.freeBytes(near: path), available < needed {
            throw diskFull(needed: needed, rows: batch.examples.count)
        }
    }

    /// Gives back what `reserveSpace` reserved beyond the end of the file (truncating to the same size frees it).
    func releaseReservedSpace() {
        guard let fd = file.descriptor else { return }
        HDF5Library.shared.locked {
            var info = stat()
            if fstat(fd, &info) == 0 { _ = ftruncate(fd, info.st_size) }
        }
    }

    private func diskFull(needed: UInt64, rows: Int) -> StoreError {
        let free = Self.freeBytes(near: path).map { ", \($0) free" } ?? ""
        return StoreError.commitFailed(
            path: path, committedRows: committedRows, rows: rows,
            reason: "the disk is full (\(needed) bytes needed\(free))", diskFull: true)
    }

    static func freeBytes(near path: String) -> UInt64? {
        let folder = URL(fileURLWithPath: FileReplacement.target(path)).deletingLastPathComponent().path
        var info = statvfs()
        guard statvfs(folder, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    /// An upper bound of the bytes one commit adds: activations uncompressed, strings with their heap overhead,
    /// numbers, and a margin for HDF5's metadata.
    static func bytesNeeded(for batch: ActivationBatch) -> UInt64 {
        var bytes: UInt64 = 1 << 20
        for values in batch.activations.values { bytes += UInt64(values.count) * 4 }
        for series in (batch.tokenConfidence ?? [:]).values { bytes += UInt64(series.count) * 4 }
        for hooks in batch.positions.values { for values in hooks.values { bytes += UInt64(values.count) * 4 } }
        for example in batch.examples {
            let strings = [example.text, example.source, example.answer ?? ""] + Array(example.meta.values)
            bytes += strings.reduce(UInt64(0)) { $0 + UInt64($1.utf8.count) + 32 } + 64
        }
        return bytes + bytes / 8
    }

    /// The error a failed write or commit is reported as: what failed, that the file keeps its last commit, and
    /// how to continue.
    func commitFailure(_ error: any Error, rows: Int) -> any Error {
        if let error = error as? StoreError, case .commitFailed = error { return error }
        guard let store = error as? StoreError, case let .hdf5(_, _, _, message) = store else { return error }
        let diskFull =
            message.contains("No space left on device") || message.contains("errno = 28")
            || message.contains("Disk quota exceeded") || message.contains("errno = 122")
        return StoreError.commitFailed(
            path: path, committedRows: committedRows, rows: rows,
            reason: diskFull
                ? "the disk is full (No space left on device)"
                : Self.firstLine(message), diskFull: diskFull)
    }

    /// The library's innermost message, without the list of callers.
    static func firstLine(_ message: String) -> String {
        let first = message.components(separatedBy: "; ").first ?? message
        return first.count > 300 ? String(first.prefix(300)) + "…" : first
    }
}
