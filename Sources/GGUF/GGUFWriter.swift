// Writes small GGUF v3 files (metadata + F32/F16/BF16 or pre-quantised tensors), e.g. tiny random-weight
// models for tests. Layout as in GGUFParser.swift (ggml/docs/gguf.md).
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Builds a GGUF file in memory and writes it out.
///
/// ```swift
/// var w = GGUFWriter()
/// w.set("general.architecture", "llama")
/// w.set("llama.block_count", .uint32(2))
/// try w.addTensor(name: "output_norm.weight", dimensions: [64], values: norm)      // F32
/// try w.addTensor(name: "blk.0.attn_q.weight", dimensions: [64, 64], values: q, type: .f16)  // 64 rows of 64
/// try w.write(to: path)
/// ```
public struct GGUFWriter: Sendable {
    /// GGUF version written in the header (2 or 3; the layouts are identical for little-endian files).
    public var version: UInt32
    /// Alignment of tensor data; also written as `general.alignment` when not 32.
    public let alignment: Int
    private var metadata: [(key: String, value: GGUFValue)] = []
    private var tensors: [(name: String, dimensions: [Int], type: GGMLType, bytes: [UInt8])] = []

    /// Creates an empty writer. `alignment` must be a power of two.
    public init(version: UInt32 = 3, alignment: Int = 32) {
        self.version = version
        self.alignment = alignment > 0 && alignment & (alignment - 1) == 0 ? alignment : 32
        if self.alignment != 32 { metadata.append(("general.alignment", .uint32(UInt32(self.alignment)))) }
    }

    /// Sets a metadata value (replacing an earlier value of the same key, keeping its position).
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = metadata.firstIndex(where: { $0.key == key }) {
            metadata[i].value = value
        } else {
            metadata.append((key, value))
        }
    }

    /// Sets an array of strings (e.g. `tokenizer.ggml.tokens`).
    public mutating func set(_ key: String, strings: [String]) { set(key, .array(strings.map { .string($0) })) }

    /// Sets an array of int32 (e.g. `tokenizer.ggml.token_type`).
    public mutating func set(_ key: String, int32s: [Int32]) { set(key, .array(int32s.map { .int32($0) })) }

    /// Sets an array of float32 (e.g. `tokenizer.ggml.scores`).
    public mutating func set(_ key: String, floats: [Float]) { set(key, .array(floats.map { .float32($0) })) }

    /// Adds a tensor from Float32 values, stored as `type` (`.f32`, `.f16` or `.bf16`).
    /// `dimensions` are `ne0` first: `[K, N]` is N rows of K contiguous values; `values` is row-major.
    public mutating func addTensor(name: String, dimensions: [Int], values: [Float], type: GGMLType = .f32) throws {
        let count = dimensions.reduce(1, *)
        guard values.count == count else {
            throw GGUFError.writeFailed(
                path: name,
                reason:
                    "tensor '\(name)' has dimensions \(dimensions) (\(count) values) but \(values.count) values were given"
            )
        }
        var bytes: [UInt8] = []
        switch type {
        case .f32:
            bytes.reserveCapacity(count * 4)
            for v in values { Self.append(v.bitPattern, to: &bytes) }
        case .f16:
            bytes.reserveCapacity(count * 2)
            for v in values { Self.append(Float16(v).bitPattern, to: &bytes) }
        case .bf16:
            bytes.reserveCapacity(count * 2)
            for v in values { Self.append(Self.bfloat16(v), to: &bytes) }
        default:
            throw GGUFError.writeFailed(
                path: name,
                reason:
                    "the writer converts Float values only to F32, F16 or BF16, not \(type.name); pass pre-quantised blocks with addTensor(name:dimensions:type:blocks:)"
            )
        }
        try addTensor(name: name, dimensions: dimensions, type: type, blocks: bytes)
    }

    /// Adds a tensor from raw stored bytes (e.g. quantised blocks) of `type`.
    public mutating func addTensor(name: String, dimensions: [Int], type: GGMLType, blocks: [UInt8]) throws {
        guard !tensors.contains(where: { $0.name == name }) else {
            throw GGUFError.writeFailed(path: name, reason: "duplicate tensor name '\(name)'")
        }
        guard (1...GGUFParser.maxDimensions).contains(dimensions.count), dimensions.allSatisfy({ $0 >= 0 }) else {
            throw GGUFError.writeFailed(
                path: name, reason: "tensor '\(name)' needs 1 to 4 non-negative dimensions, got \(dimensions)")
        }
        guard dimensions[0] % type.blockSize == 0,
            let need = type.byteCount(elements: dimensions.reduce(1, *)), need == blocks.count
        else {
            throw GGUFError.writeFailed(
                path: name,
                reason:
                    "tensor '\(name)' of type \(type.name) and dimensions \(dimensions) cannot be stored in \(blocks.count) bytes"
            )
        }
        tensors.append((name, dimensions, type, blocks))
    }

    /// The complete file.
    public func encoded() throws -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        Self.append(version, to: &out)
        Self.append(UInt64(tensors.count), to: &out)
        Self.append(UInt64(metadata.count), to: &out)
        for (key, value) in metadata {
            Self.appendString(key, to: &out)
            Self.append(value.typeCode, to: &out)
            try Self.appendValue(value, key: key, to: &out)
        }
        var relative = 0
        for t in tensors {
            Self.appendString(t.name, to: &out)
            Self.append(UInt32(t.dimensions.count), to: &out)
            for d in t.dimensions { Self.append(UInt64(d), to: &out) }
            Self.append(t.type.rawValue, to: &out)
            Self.append(UInt64(relative), to: &out)
            relative += Self.padded(t.bytes.count, to: alignment)
        }
        out += [UInt8](repeating: 0, count: Self.padded(out.count, to: alignment) - out.count)
        for t in tensors {
            out += t.bytes
            out += [UInt8](repeating: 0, count: Self.padded(t.bytes.count, to: alignment) - t.bytes.count)
        }
        return out
    }

    /// Writes the file to `path`, replacing it.
    public func write(to path: String) throws {
        let bytes = try encoded()
        guard let f = fopen(path, "wb") else {
            throw GGUFError.writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        let closed = fclose(f)
        guard written == bytes.count, closed == 0 else {
            throw GGUFError.writeFailed(path: path, reason: "wrote \(written) of \(bytes.count) bytes")
        }
    }

    // MARK: encoding

    static func padded(_ n: Int, to alignment: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    static func append<T: FixedWidthInteger>(_ v: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        let utf8 = Array(s.utf8)
        append(UInt64(utf8.count), to: &out)
        out += utf8
    }

    static func appendValue(_ value: GGUFValue, key: String, to out: inout [UInt8]) throws {
        switch value {
        case .uint8(let v): append(v, to: &out)
        case .int8(let v): append(v, to: &out)
        case .uint16(let v): append(v, to: &out)
        case .int16(let v): append(v, to: &out)
        case .uint32(let v): append(v, to: &out)
        case .int32(let v): append(v, to: &out)
        case .uint64(let v): append(v, to: &out)
        case .int64(let v): append(v, to: &out)
        case .float32(let v): append(v.bitPattern, to: &out)
        case .float64(let v): append(v.bitPattern, to: &out)
        case .bool(let v): out.append(v ? 1 : 0)
        case .string(let v): appendString(v, to: &out)
        case .packed(let array):
            append(array.elementCode, to: &out)
            append(UInt64(array.count), to: &out)
            if array.elementCode == 8 {
                for item in array.strings ?? [] { appendString(item, to: &out) }
            } else {
                out.append(contentsOf: array.bytes)
            }
        case .array(let items):
            let code = items.first?.typeCode ?? 0
            guard items.allSatisfy({ $0.typeCode == code }) else {
                throw GGUFError.writeFailed(path: key, reason: "the elements of array '\(key)' have different types")
            }
            append(code, to: &out)
            append(UInt64(items.count), to: &out)
            // a nested array carries its own type and count
            for item in items { try appendValue(item, key: key, to: &out) }
        }
    }

    /// Float32 → bfloat16 with round-to-nearest-even; NaN stays a quiet NaN.
    static func bfloat16(_ v: Float) -> UInt16 {
        let bits = v.bitPattern
        if v.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(rounded >> 16)
    }
}
