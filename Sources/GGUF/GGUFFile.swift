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

    /// Opens and maps `path`, then parses and validates the header, metadata and tensor directory.
    /// Throws `GGUFError` for anything malformed; never traps on file contents.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GGUFError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw GGUFError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw GGUFError.cannotOpen(path: path, reason: "not a regular file") }
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
              tensor.byteCount <= fileSize - tensor.offset else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(start: base + tensor.offset, count: tensor.byteCount)
    }
}
