import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension SHA256Hasher {
    /// SHA-256 of a file, read in 4 MiB chunks (with `read` itself: Foundation's file handle reads 4 KiB per call).
    /// With `cache`, a large file's digest is remembered under its identity (device, inode, size, modification and
    /// change times) and not computed again while that stays the same.
    public static func hexDigest(ofFile path: String, cache: DigestCache? = nil) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ChecksumError.unreadable(path: path) }
        defer { close(fd) }
        var info = stat()
        let identity = fstat(fd, &info) == 0 ? FileIdentity(info) : nil
        if let identity, let cached = cache?.digest(for: identity) { return cached }
        var hasher = SHA256Hasher()
        let chunk = 4 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer, chunk)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw ChecksumError.unreadable(path: path) }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(start: buffer, count: n))
        }
        let digest = hasher.finalize()
        // Remembered only when the file did not change while it was read.
        var after = stat()
        if let identity, fstat(fd, &after) == 0, FileIdentity(after)?.key == identity.key {
            cache?.remember(digest, for: identity, path: path)
        }
        return digest
    }
}

/// What identifies a file's contents without reading them: if none of these changed, neither did the bytes (the
/// change time moves on every write and cannot be set back).
struct FileIdentity {
    let device: UInt64, inode: UInt64, size: Int64
    let modified: timespec, changed: timespec

    /// Nil for anything but a regular file.
    init?(_ info: stat) {
        guard (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = info.st_mtim
        changed = info.st_ctim
    }

    /// The line a cache entry keeps it as.
    var key: String {
        "\(size) \(modified.tv_sec).\(modified.tv_nsec) \(changed.tv_sec).\(changed.tv_nsec)"
    }
}

/// Digests of large files kept on disk between runs, so that loading a multi-gigabyte model does not hash it
/// again each time (the 1.5B GGUF took ~0.9 s on 2 cores, an 8B one would take ~4 s). One small file per
/// (device, inode) in `directory`; an entry counts only while the file's size and times are those it was made
/// with, and a file changed in its last `settleSeconds` is not remembered (a write in the same clock tick as the
/// hashing would not move coarse timestamps). Every failure to read or write the cache is silent: the digest is
/// then computed, never guessed.
public struct DigestCache: Sendable {
    public let directory: String
    /// Files smaller than this are hashed every time (cheap, and not worth an entry).
    public let minimumBytes: Int64
    public let settleSeconds: Double
    /// Entries kept at most (see `prune`).
    public let maxEntries: Int

    public init(directory: String, minimumBytes: Int64 = 16 << 20, settleSeconds: Double = 2, maxEntries: Int = 256) {
        self.directory = directory
        self.minimumBytes = minimumBytes
        self.settleSeconds = settleSeconds
        self.maxEntries = maxEntries
    }

    /// `POLYGRAPH_CACHE_DIR`, else `$XDG_CACHE_HOME/polygraph`, else `~/.cache/polygraph`, each with `/sha256`; nil
    /// when `POLYGRAPH_DIGEST_CACHE=0` or no directory can be named.
    public static var standard: DigestCache? {
        let env = ProcessInfo.processInfo.environment
        if env["POLYGRAPH_DIGEST_CACHE"] == "0" { return nil }
        let root: String
        if let dir = env["POLYGRAPH_CACHE_DIR"], !dir.isEmpty {
            root = dir
        } else if let xdg = env["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            root = xdg + "/polygraph"
        } else if let home = env["HOME"], home.hasPrefix("/") {
            root = home + "/.cache/polygraph"
        } else {
            return nil
        }
        return DigestCache(directory: root + "/sha256")
    }

    private func entryPath(_ id: FileIdentity) -> String { "\(directory)/\(id.device)-\(id.inode).txt" }

    func digest(for id: FileIdentity) -> String? {
        let path = entryPath(id)
        guard id.size >= minimumBytes,
            let bytes = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, bytes <= 4096,
            let text = try? String(contentsOfFile: path, encoding: .utf8)
        else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3, lines[0] == "polygraph-sha256 1", lines[1] == id.key else { return nil }
        let digest = String(lines[2])
        guard digest.count == 64, digest.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return digest
    }

    func remember(_ digest: String, for id: FileIdentity, path: String) {
        guard id.size >= minimumBytes else { return }
        let changed = Double(id.changed.tv_sec) + Double(id.changed.tv_nsec) / 1e9
        guard Date().timeIntervalSince1970 - changed >= settleSeconds else { return }
        let text = "polygraph-sha256 1\n\(id.key)\n\(digest)\n\(URL(fileURLWithPath: path).path)\n"
        // Written whole to a temporary name and renamed, so a reader never sees half an entry.
        let final = entryPath(id), temporary = final + ".\(getpid()).tmp"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try text.write(toFile: temporary, atomically: false, encoding: .utf8)
            if rename(temporary, final) != 0 { unlink(temporary) }
        } catch {
            unlink(temporary)
        }
        prune()
    }

    /// Beyond `maxEntries` entries (files hashed once and gone: temporary copies, old downloads), the oldest are
    /// removed until half remain.
    private func prune() {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: directory), names.count > maxEntries else { return }
        let dated = names.filter { $0.hasSuffix(".txt") }.map { name -> (String, Date) in
            let path = directory + "/" + name
            return (path, (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date ?? .distantPast)
        }
        for (path, _) in dated.sorted(by: { $0.1 < $1.1 }).prefix(max(0, dated.count - maxEntries / 2)) {
            unlink(path)
        }
    }
}
