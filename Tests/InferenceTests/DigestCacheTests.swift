import Checksum
import Foundation
import Testing

/// The on-disk cache of large files' digests (`DigestCache`): used while a file is unchanged, never after a change,
/// never for a file changed moments ago, and harmless when it cannot be written.
@Suite struct DigestCacheTests {
    /// A temporary folder for one test's files and cache, removed with it.
    final class Scratch {
        let root = TestPaths.temporaryFile("digest-cache-test")
        var cache: String { root + "/cache" }
        private var count = 0

        init() throws { try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: root) }

        /// A new file of `bytes` pseudo-random bytes and its digest computed in memory.
        func file(_ bytes: Int, seed: UInt8 = 7) throws -> (path: String, digest: String) {
            let data = Data((0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) })
            count += 1
            let path = root + "/file\(count).bin"
            try data.write(to: URL(fileURLWithPath: path))
            return (path, SHA256Hasher.hexDigest(of: data))
        }
    }

    private static func entries(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).map { directory + "/" + $0 }
    }

    @Test("a file read in chunks of any size gives the in-memory digest", arguments: [0, 1, 64, (4 << 20) + 3])
    func chunkedRead(bytes: Int) throws {
        let scratch = try Scratch()
        let (path, digest) = try scratch.file(bytes)
        #expect(try SHA256Hasher.hexDigest(ofFile: path) == digest)
    }

    @Test("an unchanged file's digest comes from its entry; after a change it is computed again")
    func usedUntilChanged() throws {
        let scratch = try Scratch(), directory = scratch.cache
        let (path, digest) = try scratch.file(100_000)
        let cache = DigestCache(directory: directory, minimumBytes: 0, settleSeconds: 0)
        #expect(try SHA256Hasher.hexDigest(ofFile: path, cache: cache) == digest)
        let entry = try #require(Self.entries(directory).first)
        // An entry whose digest is not the file's, but whose identity is: it is what comes back, so it was used.
        var lines = try String(contentsOfFile: entry, encoding: .utf8).components(separatedBy: "\n")
        #expect(lines[2] == digest)
        let planted = String(repeating: "ab", count: 32)
        lines[2] = planted
        try lines.joined(separator: "\n").write(toFile: entry, atomically: true, encoding: .utf8)
        #expect(try SHA256Hasher.hexDigest(ofFile: path, cache: cache) == planted)
        // One more byte: size and times move, the entry no longer matches.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([42]))
        try handle.close()
        let grown = SHA256Hasher.hexDigest(of: try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(grown != digest)
        #expect(try SHA256Hasher.hexDigest(ofFile: path, cache: cache) == grown)
    }

    @Test("a damaged entry is ignored and replaced")
    func damagedEntry() throws {
        let scratch = try Scratch(), directory = scratch.cache
        let (path, digest) = try scratch.file(70_000, seed: 3)
        let cache = DigestCache(directory: directory, minimumBytes: 0, settleSeconds: 0)
        _ = try SHA256Hasher.hexDigest(ofFile: path, cache: cache)
        let entry = try #require(Self.entries(directory).first)
        for damage in ["", "polygraph-sha256 1\n", "garbage\n\n\n", "polygraph-sha256 1\nkey\nNOT-HEX\n"] {
            try damage.write(toFile: entry, atomically: true, encoding: .utf8)
            #expect(try SHA256Hasher.hexDigest(ofFile: path, cache: cache) == digest, "\(damage.debugDescription)")
        }
        #expect(try String(contentsOfFile: entry, encoding: .utf8).contains(digest))
    }

    @Test("small files, files changed moments ago and unwritable cache folders are hashed and not remembered")
    func notRemembered() throws {
        let scratch = try Scratch(), directory = scratch.cache
        let (path, digest) = try scratch.file(50_000, seed: 9)
        let small = DigestCache(directory: directory, minimumBytes: 1 << 20, settleSeconds: 0)
        #expect(try SHA256Hasher.hexDigest(ofFile: path, cache: small) == digest)
        let fresh = DigestCache(directory: directory, minimumBytes: 0, settleSeconds: 3600)
        #expect(try SHA256Hasher.hexDigest(ofFile: path, cache: fresh) == digest)
        #expect(Self.entries(directory).isEmpty)
        // A regular file where the folder should be: nothing can be written, the digest is still right.
        let blocked = DigestCache(directory: path + "/sha256", minimumBytes: 0, settleSeconds: 0)
        #expect(try SHA256Hasher.hexDigest(ofFile: path, cache: blocked) == digest)
        #expect(try SHA256Hasher.hexDigest(ofFile: path, cache: blocked) == digest)
    }

    @Test("a missing file or a folder is a clear error, with or without a cache")
    func unreadable() throws {
        let scratch = try Scratch()
        let cache = DigestCache(directory: scratch.cache, minimumBytes: 0, settleSeconds: 0)
        for path in ["/nonexistent/model.gguf", NSTemporaryDirectory()] {
            #expect(throws: ChecksumError.self) { try SHA256Hasher.hexDigest(ofFile: path, cache: cache) }
        }
    }
}

extension DigestCacheTests {
    @Test("beyond its most entries the cache drops the oldest, and an oversized entry is not read")
    func pruned() throws {
        let scratch = try Scratch(), directory = scratch.cache
        let cache = DigestCache(directory: directory, minimumBytes: 0, settleSeconds: 0, maxEntries: 4)
        var files: [(path: String, digest: String)] = []
        for seed in 0..<6 {
            files.append(try scratch.file(1000 + seed, seed: UInt8(seed)))
            #expect(try SHA256Hasher.hexDigest(ofFile: files[seed].path, cache: cache) == files[seed].digest)
            #expect(Self.entries(directory).count <= 4)
        }
        #expect(!Self.entries(directory).isEmpty)
        // An entry padded past 4 KiB is not read: the digest is computed again (and the entry rewritten).
        let last = try #require(files.last)
        _ = try SHA256Hasher.hexDigest(ofFile: last.path, cache: cache)
        let entry = try #require(
            Self.entries(directory).first {
                (try? String(contentsOfFile: $0, encoding: .utf8))?.contains(last.digest) == true
            })
        // Valid in its first lines, with a digest that is not the file's: were it read, that digest would come back.
        let key = try String(contentsOfFile: entry, encoding: .utf8).components(separatedBy: "\n")[1]
        let padded =
            "polygraph-sha256 1\n\(key)\n\(String(repeating: "cd", count: 32))\n\(String(repeating: "x", count: 5000))\n"
        try padded.write(toFile: entry, atomically: true, encoding: .utf8)
        #expect(try SHA256Hasher.hexDigest(ofFile: last.path, cache: cache) == last.digest)
    }
}
