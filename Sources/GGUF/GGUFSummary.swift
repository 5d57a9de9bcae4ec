// What `polygraph inspect model.gguf` shows about a GGUF file: metadata, tensors, counts by type, sizes.
// (The engine adds the hook list; the CLI prints either `render()` or the JSON encoding of this struct.)

/// A Codable description of a GGUF file, with a plain-text renderer.
public struct GGUFSummary: Codable, Sendable, Equatable {
    /// One metadata entry.
    public struct Entry: Codable, Sendable, Equatable {
        /// The key, e.g. `llama.block_count`.
        public let key: String
        /// The type, e.g. `uint32` or `array[49152] of string`.
        public let type: String
        /// A short rendering of the value; long arrays are given as their type only.
        public let value: String
    }

    /// One tensor directory entry.
    public struct Tensor: Codable, Sendable, Equatable {
        public let name: String
        /// ggml type name, e.g. `Q4_1`.
        public let type: String
        /// Dimensions `ne0` first, as stored (`[576, 1536]` is 1536 rows of 576).
        public let shape: [Int]
        public let elements: Int
        public let bytes: Int
        /// Absolute byte offset in the file.
        public let offset: Int
    }

    /// Tensors of one type.
    public struct TypeCount: Codable, Sendable, Equatable {
        public let type: String
        public let tensors: Int
        public let elements: Int
        public let bytes: Int
    }

    public let path: String
    public let fileSize: Int
    public let version: Int
    public let alignment: Int
    public let dataOffset: Int
    public let architecture: String?
    /// Total number of values in all tensors (parameters).
    public let parameterCount: Int
    public let metadata: [Entry]
    public let tensors: [Tensor]
    /// Counts by type, most bytes first.
    public let typeCounts: [TypeCount]

    /// Summarises an open file.
    public init(file: GGUFFile) {
        path = file.path
        fileSize = file.fileSize
        version = Int(file.version)
        alignment = file.alignment
        dataOffset = file.dataOffset
        architecture = file.architecture
        metadata = file.metadataKeys.compactMap { key in
            file.metadata[key].map { Entry(key: key, type: $0.typeDescription, value: $0.displayString()) }
        }
        tensors = file.tensors.map {
            Tensor(
                name: $0.name, type: $0.type.name, shape: $0.dimensions, elements: $0.elementCount,
                bytes: $0.byteCount, offset: $0.offset)
        }
        parameterCount = tensors.reduce(0) { $0 + $1.elements }
        var byType: [String: (n: Int, e: Int, b: Int)] = [:]
        for t in tensors {
            let c = byType[t.type, default: (0, 0, 0)]
            byType[t.type] = (c.n + 1, c.e + t.elements, c.b + t.bytes)
        }
        typeCounts = byType.map {
            TypeCount(type: $0.key, tensors: $0.value.n, elements: $0.value.e, bytes: $0.value.b)
        }
        .sorted { ($0.bytes, $1.type) > ($1.bytes, $0.type) }
    }

    /// Plain text for a terminal. `maxTensors` limits the tensor list (nil: all of them).
    public func render(maxTensors: Int? = nil) -> String {
        var lines: [String] = []
        lines.append("GGUF v\(version)  \(path)  \(Self.size(fileSize)) (\(fileSize) bytes)")
        lines.append(
            "architecture \(architecture ?? "(none)"), \(tensors.count) tensors, "
                + "\(Self.count(parameterCount)) parameters, alignment \(alignment), data at byte \(dataOffset)")
        lines.append("")
        lines.append("Metadata (\(metadata.count) keys)")
        let keyWidth = min(48, metadata.map(\.key.count).max() ?? 0)
        let typeWidth = min(
            12, metadata.map { $0.type.hasPrefix("array[") && $0.value == $0.type ? 0 : $0.type.count }.max() ?? 0)
        for e in metadata {
            if e.value == e.type {  // a long array: the type says it all
                lines.append("  " + Self.pad(e.key, keyWidth) + "  " + e.type)
            } else {
                lines.append("  " + Self.pad(e.key, keyWidth) + "  " + Self.pad(e.type, typeWidth) + "  " + e.value)
            }
        }
        lines.append("")
        lines.append("Tensors by type")
        for c in typeCounts {
            lines.append(
                "  " + Self.pad(c.type, 6) + Self.left("\(c.tensors)", 5)
                    + (c.tensors == 1 ? " tensor   " : " tensors  ")
                    + Self.left(Self.count(c.elements), 8) + " values  " + Self.left(Self.size(c.bytes), 9))
        }
        lines.append("")
        let shown = maxTensors.map { min($0, tensors.count) } ?? tensors.count
        lines.append("Tensors (\(tensors.count)\(shown < tensors.count ? ", first \(shown)" : ""))")
        let nameWidth = min(48, tensors.prefix(shown).map(\.name.count).max() ?? 0)
        for t in tensors.prefix(shown) {
            lines.append(
                "  " + Self.pad(t.name, nameWidth) + "  " + Self.pad(t.type, 6)
                    + Self.pad("[" + t.shape.map(String.init).joined(separator: ", ") + "]", 14) + "  "
                    + Self.left(Self.size(t.bytes), 9))
        }
        if shown < tensors.count { lines.append("  … \(tensors.count - shown) more (use --json for all)") }
        return lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    static func left(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    /// 98362432 → "98.4 MB" (decimal units, one decimal).
    static func size(_ bytes: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var v = Double(bytes), i = 0
        while v >= 1000, i < units.count - 1 { v /= 1000; i += 1 }
        return i == 0 ? "\(bytes) B" : oneDecimal(v) + " " + units[i]
    }

    /// 134515008 → "134.5M".
    static func count(_ n: Int) -> String {
        let units = ["", "k", "M", "G", "T"]
        var v = Double(n), i = 0
        while v >= 1000, i < units.count - 1 { v /= 1000; i += 1 }
        return i == 0 ? "\(n)" : oneDecimal(v) + units[i]
    }

    static func oneDecimal(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

extension GGUFFile {
    /// The summary `polygraph inspect` shows.
    public var summary: GGUFSummary { GGUFSummary(file: self) }
}
