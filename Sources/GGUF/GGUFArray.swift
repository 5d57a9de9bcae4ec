// A GGUF metadata array of scalars or strings kept as its encoded bytes (GGUF spec, ggml/docs/gguf.md).

/// The elements of a metadata array whose elements are numbers, bools or strings, held as the file encodes them
/// (little-endian scalars; strings as concatenated UTF-8 with their end offsets) instead of one `GGUFValue` per
/// element: memory stays about the size of the array in the file (hardening defect 16: a 20 MB array used to take
/// ~800 MB, some 40 bytes per element). Elements are decoded when read.
public struct GGUFArray: Sendable, Equatable {
    /// The elements' type code (`gguf_metadata_value_type`, never 9: arrays of arrays stay `[GGUFValue]`).
    public let elementCode: UInt32
    public let count: Int
    /// Scalars: `count` × the element size. Strings: the UTF-8 bytes of every element, one after another.
    let bytes: [UInt8]
    /// Strings only: where each element ends in `bytes` (element i is `ends[i-1]..<ends[i]`).
    let ends: [Int]

    /// Bytes per scalar element, nil for strings.
    static func scalarSize(code: UInt32) -> Int? {
        switch code {
        case 0, 1, 7: 1
        case 2, 3: 2
        case 4, 5, 6: 4
        case 10, 11, 12: 8
        default: nil
        }
    }

    init(elementCode: UInt32, count: Int, bytes: [UInt8], ends: [Int] = []) {
        self.elementCode = elementCode; self.count = count; self.bytes = bytes; self.ends = ends
    }

    /// Element `i` (0 ≤ i < count).
    public subscript(i: Int) -> GGUFValue {
        if elementCode == 8 {
            let start = i == 0 ? 0 : ends[i - 1]
            return .string(String(decoding: bytes[start..<ends[i]], as: UTF8.self))
        }
        let size = Self.scalarSize(code: elementCode) ?? 1
        var raw: UInt64 = 0
        for k in 0..<size { raw |= UInt64(bytes[i * size + k]) << (8 * UInt64(k)) }
        switch elementCode {
        case 0: return .uint8(UInt8(raw))
        case 1: return .int8(Int8(bitPattern: UInt8(raw)))
        case 2: return .uint16(UInt16(raw))
        case 3: return .int16(Int16(bitPattern: UInt16(raw)))
        case 4: return .uint32(UInt32(raw))
        case 5: return .int32(Int32(bitPattern: UInt32(raw)))
        case 6: return .float32(Float(bitPattern: UInt32(raw)))
        case 7: return .bool(raw != 0)
        case 10: return .uint64(raw)
        case 11: return .int64(Int64(bitPattern: raw))
        default: return .float64(Double(bitPattern: raw))
        }
    }

    /// Every element as a `GGUFValue`.
    public var values: [GGUFValue] { (0..<count).map { self[$0] } }

    /// The elements as strings (nil unless they are strings), without a `GGUFValue` per element.
    public var strings: [String]? {
        guard elementCode == 8 else { return nil }
        var start = 0
        return ends.map { end in
            defer { start = end }
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
    }

    /// Reads `count` elements of type `code` at the cursor, checking each as `GGUFParser.readValue` would.
    static func read(_ c: inout GGUFByteCursor, code: UInt32, count: Int, key: String) throws -> GGUFArray {
        if let size = scalarSize(code: code) {
            let bytes = try c.readBytes(count * size, "\(count) elements of array '\(key)'")
            if code == 7, let at = bytes.firstIndex(where: { $0 > 1 }) {
                throw GGUFError.wrongType(
                    path: c.path, key: key, expected: "bool (0 or 1)", found: "byte \(bytes[at]) in element \(at)")
            }
            return GGUFArray(elementCode: code, count: count, bytes: bytes)
        }
        var bytes: [UInt8] = [], ends: [Int] = []
        ends.reserveCapacity(count)
        for _ in 0..<count {
            bytes.append(contentsOf: try c.readString("an element of array '\(key)'").utf8)
            ends.append(bytes.count)
        }
        return GGUFArray(elementCode: code, count: count, bytes: bytes, ends: ends)
    }
}
