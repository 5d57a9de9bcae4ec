// Replacing an existing output safely: never truncate a file that another process has open.
import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--overwrite` used to open the old file with O_TRUNC and only then take HDF5's lock, so a second capture
/// emptied the file of a capture still writing it (hardening defect 1). Now the old file is removed only while
/// this process holds an exclusive `flock` on it — the lock libhdf5 itself takes on every file it has open
/// (shared for readers, exclusive for writers) — and the new file is created with O_EXCL.
enum FileReplacement {
    /// The path that file operations act on: a symbolic link's target, so that replacing writes where the link
    /// points (as truncation did) instead of replacing the link.
    static func target(_ path: String) -> String {
        guard (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil else { return path }
        return URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    /// Removes `path` unless another process has it open; throws `fileInUse` then. Nothing to do when it is absent.
    static func removeUnlessInUse(_ path: String, displayPath: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 {
            if errno == ENOENT { return }
            throw StoreError.hdf5(
                operation: "replace file", file: displayPath, object: "/",
                message: "cannot open it (\(String(cString: strerror(errno)))); check its permissions")
        }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK { throw StoreError.fileInUse(path: displayPath) }
            throw StoreError.hdf5(
                operation: "replace file", file: displayPath, object: "/",
                message: "cannot lock it (\(String(cString: strerror(errno))))")
        }
        // The lock holds the inode we opened; remove the name only if it still names that inode.
        var held = stat(), named = stat()
        guard fstat(fd, &held) == 0, lstat(path, &named) == 0 else { return }
        guard held.st_ino == named.st_ino && held.st_dev == named.st_dev else {
            throw StoreError.fileInUse(path: displayPath)  // replaced under us: someone else is writing it
        }
        if unlink(path) != 0 && errno != ENOENT {
            throw StoreError.hdf5(
                operation: "replace file", file: displayPath, object: "/",
                message:
                    "cannot remove the old file (\(String(cString: strerror(errno)))); check the folder's permissions")
        }
    }

    /// Takes an exclusive `flock` on the descriptor libhdf5 writes through, so that the file counts as in use
    /// even where HDF5's own locking is off (`HDF5_USE_FILE_LOCKING=FALSE`). Same descriptor, so it never
    /// conflicts with HDF5's lock; best effort when the driver has no descriptor.
    static func lockWriter(fileDescriptor fd: Int32, displayPath: String) throws {
        if flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK {
            throw StoreError.fileInUse(path: displayPath)
        }
    }
}
