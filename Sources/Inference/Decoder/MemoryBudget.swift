import Foundation
import GGUF

/// What loading a model will need in memory, checked against what the machine has before any weight is touched, so
/// a model that cannot fit fails with a clear message instead of being killed by the kernel's OOM killer.
public struct MemoryBudget: Sendable, Equatable {
    /// Bytes of the GGUF file (its pages become resident as the mapping is read).
    public var mappedBytes: Int
    /// Bytes of float32 copies of weight matrices (`WeightStorage.float32` only).
    public var float32Bytes: Int
    /// Bytes of one sequence's KV cache at `kvPositions` positions.
    public var kvCacheBytes: Int
    /// Bytes of forward-pass work buffers for a `workTokens`-token prefill, one weight panel and the runtime.
    public var workBytes: Int

    /// Positions the KV-cache estimate covers (the context length when shorter).
    public static let kvPositions = 4096
    /// Tokens of one prefill the work-buffer estimate covers.
    public static let workTokens = 512

    /// Total bytes needed.
    public var total: Int { mappedBytes + float32Bytes + kvCacheBytes + workBytes }

    /// The estimate for `config`'s model in `file` with `storage`.
    public init(file: GGUFFile, config c: ModelConfig, storage: WeightStorage) {
        mappedBytes = file.fileSize
        float32Bytes =
            storage == .float32
            ? file.tensors.filter { $0.dimensions.count == 2 }.reduce(0) { $0 + $1.elementCount * 4 } : 0
        let kvDim = c.nKVHeads * c.headDim, qDim = c.nHeads * c.headDim
        kvCacheBytes = c.nLayers * 2 * kvDim * 4 * min(c.contextLength, Self.kvPositions)
        let t = Self.workTokens
        workBytes =
            4 * (t * (3 * c.dModel + 2 * qDim + 2 * kvDim + 2 * c.dFF) + t * t + c.vocabSize)
            + 4 * PanelWorkspace.defaultTargetFloats + (64 << 20)
    }

    public init(mappedBytes: Int, float32Bytes: Int, kvCacheBytes: Int, workBytes: Int) {
        self.mappedBytes = mappedBytes; self.float32Bytes = float32Bytes
        self.kvCacheBytes = kvCacheBytes; self.workBytes = workBytes
    }

    /// Throws `InferenceError.insufficientMemory` when `total` exceeds `available` bytes (nil: unknown, no check).
    public func check(available: Int?, path: String, storage: WeightStorage) throws {
        guard let available, total > available else { return }
        throw InferenceError.insufficientMemory(
            path: path, needed: total, available: available,
            detail: breakdown, float32: storage == .float32)
    }

    /// "1.12 GB file + 0.23 GB KV cache + …" for messages.
    public var breakdown: String {
        var parts = ["\(Self.gigabytes(mappedBytes)) mapped model file"]
        if float32Bytes > 0 { parts.append("\(Self.gigabytes(float32Bytes)) float32 weight copies") }
        parts.append("\(Self.gigabytes(kvCacheBytes)) KV cache (\(Self.kvPositions) positions)")
        parts.append("\(Self.gigabytes(workBytes)) work buffers")
        return parts.joined(separator: " + ")
    }

    static func gigabytes(_ bytes: Int) -> String { String(format: "%.2f GB", Double(bytes) / 1e9) }

    /// Bytes this process can still use: `MemAvailable` of /proc/meminfo, lowered to the cgroup v2 limit's headroom
    /// (`memory.max − memory.current`, plus the cgroup's page cache `file` of memory.stat, which the kernel reclaims
    /// before it kills) when one is set. Nil when neither can be read (not Linux).
    public static func availableBytes() -> Int? {
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)).flatMap(memAvailable(meminfo:))
        var cgroup: Int?
        if let max = readInt("/sys/fs/cgroup/memory.max"), let current = readInt("/sys/fs/cgroup/memory.current") {
            let stat = (try? String(contentsOfFile: "/sys/fs/cgroup/memory.stat", encoding: .utf8)) ?? ""
            cgroup = cgroupHeadroom(max: max, current: current, memoryStat: stat)
        }
        switch (meminfo, cgroup) {
        case let (m?, c?): return min(m, c)
        case let (m, c): return m ?? c
        }
    }

    /// `MemAvailable` in bytes from the text of /proc/meminfo (`MemAvailable:  123456 kB`).
    public static func memAvailable(meminfo text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kb = Int(fields[1]) else { return nil }
            let unit = fields.count >= 3 ? fields[2].lowercased() : "kb"
            return unit == "kb" ? kb * 1024 : kb
        }
        return nil
    }

    /// `max − current + file` (the page cache line of memory.stat), at least 0.
    public static func cgroupHeadroom(max: Int, current: Int, memoryStat: String) -> Int {
        let cache =
            memoryStat.split(separator: "\n").first { $0.hasPrefix("file ") }
            .flatMap { Int($0.dropFirst(5).trimmingCharacters(in: .whitespaces)) } ?? 0
        return Swift.max(0, max - current + cache)
    }

    /// An integer file such as memory.max ("max" means no limit: nil).
    private static func readInt(_ path: String) -> Int? {
        guard let s = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(s.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
