import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Input files must be regular files: opening a named pipe waits forever for a writer (libhdf5's open, FileHandle),
/// and a directory or device reads as garbage or fails with Foundation's own text. Found by tests-interop/hostile.
public enum RegularFile {
    /// nil when `path` is a regular file or does not exist (callers report a missing file themselves); otherwise
    /// what it is instead, e.g. "is a named pipe". Uses stat, which never blocks.
    public static func problem(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a directory"
        case S_IFIFO: return "is a named pipe"
        case S_IFSOCK: return "is a socket"
        case S_IFCHR, S_IFBLK: return "is a device"
        default: return "is not a regular file"
        }
    }
}
