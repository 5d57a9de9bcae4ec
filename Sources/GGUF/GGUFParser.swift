// Parses a GGUF header, metadata and tensor directory from mapped bytes.
// Layout (ggml/docs/gguf.md, little-endian):
//   1. magic "GGUF" (4 bytes)          2. version: uint32 (2 or 3)
//   3. tensor_count: uint64            4. metadata_kv_count: uint64
//   5. kv_count × { key: gguf_string, value_type: uint32, value }
//   6. tensor_count × { name: gguf_string, n_dims: uint32, ne: uint64[n_dims], type: uint32, offset: uint64 }
//   7. padding to general.alignment (default 32), then the data section; tensor offsets are relative to it.

/// What the parser found; `GGUFFile` stores it.
struct GGUFContents {
    var version: UInt32 = 0
    var metadata: [String: GGUFValue] = [:]
    var metadataKeys: [String] = []
    var tensors: [GGUFTensorInfo] = []
    var alignment: Int = 32
    var dataOffset: Int = 0
}

enum GGUFParser {
    /// ggml's GGML_MAX_DIMS.
    static let maxDimensions = 4
    /// Deepest array nesting accepted (real files nest at most once).
    static let maxNesting = 8

    static func parse(base: UnsafeRawPointer?, size: Int, path: String) throws -> GGUFContents {
        var c = GGUFByteCursor(base: base, size: size, path: path)
        var out = GGUFContents()

        // Header.
        if size >= 4 {
            let magic = [UInt8](UnsafeRawBufferPointer(start: base, count: 4))
            if magic != Array("GGUF".utf8) { throw GGUFError.badMagic(path: path, found: magic) }
        } else {
            try c.require(4, for: "the magic 'GGUF'")
        }
        _ = try c.read(UInt32.self, "the magic")
        out.version = try c.read(UInt32.self, "the version")
        guard out.version == 2 || out.version == 3 else {
            throw GGUFError.unsupportedVersion(path: path, version: out.version)
        }
        // Smallest encodings: a tensor entry is 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset) bytes;
        // a key-value pair is 8 (key length) + 4 (type) + 1 (a uint8 value) bytes.
        let tensorCount = try c.readCount("the tensor count", itemSize: 24)
        let kvCount = try c.readCount("the metadata key-value count", itemSize: 13)

        // Metadata.
        out.metadataKeys.reserveCapacity(kvCount)
        var alignmentAt = 0
        for i in 0..<kvCount {
            let at = c.offset
            let key = try c.readString("the key of metadata entry \(i)")
            let typeAt = c.offset
            let code = try c.read(UInt32.self, "the value type of '\(key)'")
            let value = try readValue(&c, code: code, key: key, typeOffset: typeAt, depth: 0)
            if key == "general.alignment" { alignmentAt = typeAt + 4 }
            if out.metadata.updateValue(value, forKey: key) != nil {
                throw GGUFError.duplicate(path: path, offset: at, what: "metadata key", name: key)
            }
            out.metadataKeys.append(key)
        }

        // Alignment.
        if let a = out.metadata["general.alignment"] {
            guard let n = a.intValue, n > 0, n & (n - 1) == 0, n <= 1 << 30 else {
                throw GGUFError.badAlignment(
                    path: path, offset: alignmentAt, found: "\(a.displayString()) (\(a.typeDescription))")
            }
            out.alignment = n
        }

        // Tensor directory (offsets resolved once the data section's start is known).
        var raw: [(name: String, dims: [Int], type: GGMLType, rel: Int, bytes: Int, at: Int)] = []
        raw.reserveCapacity(tensorCount)
        var names = Set<String>()
        for i in 0..<tensorCount {
            let at = c.offset
            let name = try c.readString("the name of tensor \(i)")
            let nDimsAt = c.offset
            let nDims = try c.read(UInt32.self, "the dimension count of '\(name)'")
            guard nDims <= maxDimensions else {
                throw GGUFError.absurdCount(
                    path: path, offset: nDimsAt, what: "the dimension count of '\(name)'",
                    count: UInt64(nDims), limit: UInt64(maxDimensions))
            }
            var dimsRaw: [UInt64] = []
            for d in 0..<Int(nDims) { dimsRaw.append(try c.read(UInt64.self, "dimension \(d) of '\(name)'")) }
            let typeAt = c.offset
            let code = try c.read(UInt32.self, "the type of '\(name)'")
            guard let type = GGMLType(rawValue: code) else {
                throw GGUFError.unknownTensorType(path: path, offset: typeAt, tensor: name, code: code)
            }
            let dims = try checkedDimensions(dimsRaw, type: type, tensor: name, path: path, offset: nDimsAt)
            let elements = dims.reduce(1, *)  // checked not to overflow
            guard let bytes = type.byteCount(elements: elements) else {
                throw GGUFError.badDimensions(
                    path: path, offset: nDimsAt, tensor: name, dimensions: dimsRaw,
                    problem: "the byte size overflows")
            }
            let offAt = c.offset
            let rel = try c.read(UInt64.self, "the data offset of '\(name)'")
            guard rel <= UInt64(Int.max / 2) else {
                throw GGUFError.tensorOutOfBounds(
                    path: path, tensor: name, offset: offAt, byteCount: bytes, fileSize: size)
            }
            guard names.insert(name).inserted else {
                throw GGUFError.duplicate(path: path, offset: at, what: "tensor name", name: name)
            }
            raw.append((name, dims, type, Int(rel), bytes, at))
        }

        c.align(to: out.alignment)
        out.dataOffset = c.offset
        out.tensors.reserveCapacity(raw.count)
        for t in raw {
            let start = out.dataOffset + t.rel
            guard t.rel % out.alignment == 0 else {
                throw GGUFError.misalignedTensor(path: path, tensor: t.name, offset: start, alignment: out.alignment)
            }
            guard start <= size, t.bytes <= size - start else {
                throw GGUFError.tensorOutOfBounds(
                    path: path, tensor: t.name, offset: start, byteCount: t.bytes, fileSize: size)
            }
            out.tensors.append(
                GGUFTensorInfo(name: t.name, dimensions: t.dims, type: t.type, offset: start, byteCount: t.bytes))
        }
        return out
    }

    /// Checks that every dimension is a non-negative Int64, the element count does not overflow,
    /// and `ne0` is a whole number of blocks.
    static func checkedDimensions(_ raw: [UInt64], type: GGMLType, tensor: String, path: String, offset: Int) throws
        -> [Int]
    {
        var product = 1
        var dims: [Int] = []
        for d in raw {
            guard d <= UInt64(Int64.max) else {
                throw GGUFError.badDimensions(
                    path: path, offset: offset, tensor: tensor, dimensions: raw,
                    problem: "a dimension is negative as int64")
            }
            let (p, overflow) = product.multipliedReportingOverflow(by: Int(d))
            guard !overflow else {
                throw GGUFError.badDimensions(
                    path: path, offset: offset, tensor: tensor, dimensions: raw,
                    problem: "the element count overflows 64 bits")
            }
            product = p
            dims.append(Int(d))
        }
        if let ne0 = dims.first, ne0 % type.blockSize != 0 {
            throw GGUFError.badDimensions(
                path: path, offset: offset, tensor: tensor, dimensions: raw,
                problem: "ne0 = \(ne0) is not a multiple of \(type.name)'s block size \(type.blockSize)")
        }
        return dims
    }

    /// Smallest encoded size of one value of a type, used to bound array lengths.
    static func minimumSize(code: UInt32) -> Int {
        switch code {
        case 0, 1, 7: 1
        case 2, 3: 2
        case 4, 5, 6: 4
        case 8, 10, 11, 12: 8
        case 9: 12
        default: 1
        }
    }

    static func readValue(_ c: inout GGUFByteCursor, code: UInt32, key: String, typeOffset: Int, depth: Int) throws
        -> GGUFValue
    {
        switch code {
        case 0: return .uint8(try c.read(UInt8.self, "the value of '\(key)'"))
        case 1: return .int8(try c.read(Int8.self, "the value of '\(key)'"))
        case 2: return .uint16(try c.read(UInt16.self, "the value of '\(key)'"))
        case 3: return .int16(try c.read(Int16.self, "the value of '\(key)'"))
        case 4: return .uint32(try c.read(UInt32.self, "the value of '\(key)'"))
        case 5: return .int32(try c.read(Int32.self, "the value of '\(key)'"))
        case 6: return .float32(try c.readFloat("the value of '\(key)'"))
        case 7:
            let at = c.offset
            let b = try c.read(UInt8.self, "the value of '\(key)'")
            guard b <= 1 else {
                throw GGUFError.wrongType(
                    path: c.path, key: key, expected: "bool (0 or 1)", found: "byte \(b) at offset \(at)")
            }
            return .bool(b == 1)
        case 8: return .string(try c.readString("the value of '\(key)'"))
        case 10: return .uint64(try c.read(UInt64.self, "the value of '\(key)'"))
        case 11: return .int64(try c.read(Int64.self, "the value of '\(key)'"))
        case 12: return .float64(try c.readDouble("the value of '\(key)'"))
        case 9:
            guard depth < maxNesting else {
                throw GGUFError.nestingTooDeep(path: c.path, offset: typeOffset, key: key, limit: maxNesting)
            }
            let elemAt = c.offset
            let elemCode = try c.read(UInt32.self, "the element type of '\(key)'")
            guard elemCode <= 12 else {
                throw GGUFError.unknownValueType(path: c.path, offset: elemAt, key: key, code: elemCode)
            }
            let minSize = minimumSize(code: elemCode)
            let count = try c.readCount("the length of array '\(key)'", itemSize: minSize)
            if elemCode != 9 { return .packed(try GGUFArray.read(&c, code: elemCode, count: count, key: key)) }
            var items: [GGUFValue] = []
            items.reserveCapacity(count)
            for _ in 0..<count {
                items.append(try readValue(&c, code: elemCode, key: key, typeOffset: elemAt, depth: depth + 1))
            }
            return .array(items)
        default:
            throw GGUFError.unknownValueType(path: c.path, offset: typeOffset, key: key, code: code)
        }
    }
}
