// A GGUF model file, memory-mapped read-only (GGUF spec: ggml/docs/gguf.md).
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A memory-mapped GGUF file: header, metadata and tensor directory parsed at open, tensor bytes read
/// in place from the mapping (which lives as long as this object).
///
/// ```swift
/// let file = try GGUFFile(path: "models/SmolLM2-135M-Instruct.Q4_1.gguf")
/// let layers = try file.int("llama.block_count")              // 30
/// let w = try file.dequantize(file.tensor(named: "blk.0.ffn_up.weight")!)  // [1536 rows, 576]
/// ```
public final class GGUFFile: @unchecked Sendable {
    /// The path the file was opened from.
    public let path: String
    /// GGUF version (2 or 3).
    public let version: UInt32
    /// Every metadata key-value pair.
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// The tensor directory, in file order.
    public let tensors: [GGUFTensorInfo]
    /// Alignment of tensor data (`general.alignment`, default 32).
    public let alignment: Int
    /// Absolute offset of the data section.
    public let dataOffset: Int
    /// Size of the file in bytes.
    public let fileSize: Int

    private let base: UnsafeRawPointer?
    private let index: [String: Int]
    /// Kept open for the mapping's life, so that the mapped file itself (not whatever the path names now) can be
    /// checked with `changeSinceOpened()`.
    private let descriptor: Int32
    /// Size and modification time of the mapped file when it was opened.
    private let openedModified: timespec

    /// Opens and maps `path`, then parses and validates the header, metadata and tensor directory.
    /// Throws `GGUFError` for anything malformed; never traps on file contents.
    public init(path: String) throws {
        self.path = path
        // O_NONBLOCK: opening a named pipe would otherwise wait forever for a writer (hardening defect 16); it is
        // refused just below as not a regular file, and has no effect on regular files.
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw GGUFError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var keepOpen = false
        defer { if !keepOpen { close(fd) } }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw GGUFError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw GGUFError.cannotOpen(path: path, reason: "not a regular file")
        }
        let size = Int(st.st_size)
        var mapped: UnsafeRawPointer? = nil
        if size > 0 {
            let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
            guard let p, p != MAP_FAILED else {
                throw GGUFError.cannotOpen(path: path, reason: "mmap failed: " + String(cString: strerror(errno)))
            }
            // Tensor data is usually read front to back right after opening: ask for read-ahead (advisory only).
            _ = madvise(p, size, MADV_WILLNEED)
            mapped = UnsafeRawPointer(p)
        }
        let contents: GGUFContents
        do {
            contents = try GGUFParser.parse(base: mapped, size: size, path: path)
        } catch {
            if let mapped { munmap(UnsafeMutableRawPointer(mutating: mapped), size) }
            throw error
        }
        base = mapped
        fileSize = size
        descriptor = fd
        keepOpen = true
        #if canImport(Darwin)
            openedModified = st.st_mtimespec
        #else
            openedModified = st.st_mtim
        #endif
        version = contents.version
        metadata = contents.metadata
        metadataKeys = contents.metadataKeys
        tensors = contents.tensors
        alignment = contents.alignment
        dataOffset = contents.dataOffset
        var index: [String: Int] = [:]
        index.reserveCapacity(tensors.count)
        for (i, t) in tensors.enumerated() { index[t.name] = i }
        self.index = index
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), fileSize) }
        close(descriptor)
    }

    /// nil while the mapped file is as it was when opened; otherwise what happened to it. A file truncated or
    /// rewritten in place (`cp` over it, a download into the same path) would make reads of the mapping fault
    /// (SIGBUS) or see other weights, so callers check this before each use of a long-lived model. A file
    /// replaced by a rename (`mv`, a new inode) is no change: the mapping keeps the old one alive and intact.
    public func changeSinceOpened() -> String? {
        var st = stat()
        guard fstat(descriptor, &st) == 0 else {
            return "it can no longer be read (\(String(cString: strerror(errno))))"
        }
        if Int(st.st_size) < fileSize {
            return "it was truncated in place from \(fileSize) to \(st.st_size) bytes"
        }
        #if canImport(Darwin)
            let modified = st.st_mtimespec
        #else
            let modified = st.st_mtim
        #endif
        if Int(st.st_size) != fileSize || modified.tv_sec != openedModified.tv_sec
            || modified.tv_nsec != openedModified.tv_nsec
        {
            return "it was rewritten in place (modified since it was loaded)"
        }
        return nil
    }

    /// The tensor with this name, or nil.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// The tensor with this name, or `GGUFError.missingTensor`.
    public func requireTensor(named name: String) throws -> GGUFTensorInfo {
        guard let t = tensor(named: name) else { throw GGUFError.missingTensor(path: path, name: name) }
        return t
    }

    /// The raw (possibly quantised) bytes of a tensor inside the mapping; valid while this file object lives.
    /// `tensor` must come from this file's directory (its bounds were checked when the file was opened).
    public func bytes(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        guard let base, tensor.offset >= 0, tensor.byteCount >= 0, tensor.offset <= fileSize,
            tensor.byteCount <= fileSize - tensor.offset
        else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(start: base + tensor.offset, count: tensor.byteCount)
    }
}
