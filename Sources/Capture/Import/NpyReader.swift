import ActivationStore
import Foundation

/// Reads a NumPy `.npy` array row block by row block without loading it (format spec: numpy.lib.format,
/// "NPY format" versions 1.0, 2.0 and 3.0). Accepts little-endian float32/float64/float16 in C order.
public final class NpyReader {
    /// Element type on disk.
    public enum DType: String, Sendable { case float16 = "<f2", float32 = "<f4", float64 = "<f8" }

    public let path: String
    public let dtype: DType
    /// e.g. `[n, d]` or `[n, layers, d]`.
    public let shape: [Int]
    /// Byte offset of the first element.
    public let dataOffset: Int
    private let handle: FileHandle

    /// Values per first-axis row (product of the other dimensions), checked at open.
    public let rowWidth: Int
    public var rowCount: Int { shape.first ?? 0 }

    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.fileNotFound(path: path) }
        // A directory opened and then failed to read with a raw NSCocoaErrorDomain message; a named pipe blocked.
        if let problem = RegularFile.problem(path) {
            throw StoreError.npy(path: path, message: "\(problem); give the .npy file written by numpy.save")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StoreError.fileNotFound(path: path) }
        self.handle = handle
        let prefix: Data
        do { prefix = try handle.read(upToCount: 12) ?? Data() } catch {
            throw StoreError.npy(path: path, message: "cannot be read (is it a regular file?)")
        }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        guard prefix.count >= 10, Array(prefix.prefix(6)) == magic else {
            throw StoreError.npy(
                path: path, message: "not a .npy file (no \\x93NUMPY magic); save arrays with numpy.save")
        }
        let major = prefix[prefix.startIndex + 6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(prefix[prefix.startIndex + 8]) | Int(prefix[prefix.startIndex + 9]) << 8
            headerStart = 10
        case 2, 3:
            guard prefix.count >= 12 else { throw StoreError.npy(path: path, message: "truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(prefix[prefix.startIndex + 8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw StoreError.npy(
                path: path, message: "unsupported .npy format version \(major).x (1, 2 and 3 are read)")
        }
        try handle.seek(toOffset: UInt64(headerStart))
        guard let headerData = try handle.read(upToCount: headerLength), headerData.count == headerLength,
            let header = String(data: headerData, encoding: major == 3 ? .utf8 : .isoLatin1)
        else {
            throw StoreError.npy(path: path, message: "truncated header (\(headerLength) bytes announced)")
        }
        let descr = try Self.value(of: "descr", in: header, path: path)
        guard let dtype = DType(rawValue: descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))) else {
            throw StoreError.npy(
                path: path,
                message:
                    "dtype \(descr) is not supported; save float32, float64 or float16 little-endian (arr.astype('<f4'))"
            )
        }
        self.dtype = dtype
        if try Self.value(of: "fortran_order", in: header, path: path) != "False" {
            throw StoreError.npy(
                path: path, message: "array is in Fortran order; save np.ascontiguousarray(arr) instead")
        }
        let shapeText = try Self.value(of: "shape", in: header, path: path)
        let dims = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = dims.compactMap { Int($0) }
        guard shape.count == dims.count, !shape.isEmpty, shape.allSatisfy({ $0 >= 0 }) else {
            throw StoreError.npy(path: path, message: "cannot read shape \(shapeText)")
        }
        // The element count must fit the file, so a product that overflows is a corrupt header (hardening defect 8).
        var bytes = dtype.byteSize
        for dim in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= Int(Int32.max) << 16 else {
                throw StoreError.npy(
                    path: path, message: "shape \(shapeText) is too large to be a real array; the header is corrupt")
            }
            bytes = product
        }
        // A zero dimension makes the element count 0 whatever follows, so the row width and each dimension are
        // checked on their own (shape (0, 2^62, 2^62) trapped on overflow when the width was asked for; fuzz-npy).
        var width = 1
        for dim in shape.dropFirst() {
            let (product, overflow) = width.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= Int(Int32.max) << 16, dim <= Int(Int32.max) << 16 else {
                throw StoreError.npy(
                    path: path, message: "shape \(shapeText) is too large to be a real array; the header is corrupt")
            }
            width = product
        }
        rowWidth = width
        self.shape = shape
        dataOffset = headerStart + headerLength
        let expected = UInt64(dataOffset + bytes)
        let size = try handle.seekToEnd()
        guard size >= expected else {
            throw StoreError.npy(
                path: path, message: "file is truncated: \(size) bytes, the header's shape \(shape) needs \(expected)")
        }
    }

    deinit { try? handle.close() }

    /// Extracts the text of `key`'s value from the header dict literal.
    private static func value(of key: String, in header: String, path: String) throws -> String {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else {
            throw StoreError.npy(path: path, message: "header lacks '\(key)'")
        }
        var rest = header[keyRange.upperBound...].drop { $0 == " " || $0 == ":" }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else {
                throw StoreError.npy(path: path, message: "bad shape in header")
            }
            return String(rest[...close])
        }
        rest = rest.prefix { $0 != "," && $0 != "}" }
        return rest.trimmingCharacters(in: .whitespaces)
    }

    /// Reads first-axis rows `start ..< start+count` converted to Float, row-major `[count, rowWidth]`.
    public func rows(_ start: Int, _ count: Int) throws -> [Float] {
        guard start >= 0, count >= 0, start + count <= rowCount else {
            throw StoreError.npy(path: path, message: "rows \(start)..<\(start + count) requested of \(rowCount)")
        }
        let values = count * rowWidth
        try handle.seek(toOffset: UInt64(dataOffset + start * rowWidth * dtype.byteSize))
        guard let data = try handle.read(upToCount: values * dtype.byteSize), data.count == values * dtype.byteSize
        else {
            throw StoreError.npy(path: path, message: "unexpected end of data at row \(start)")
        }
        return data.withUnsafeBytes { raw -> [Float] in
            switch dtype {
            case .float32:
                return (0..<values).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
                }
            case .float64:
                return (0..<values).map {
                    Float(
                        Double(
                            bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))
                        ))
                }
            case .float16:
                return (0..<values).map {
                    Float(
                        Float16(
                            bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))
                        ))
                }
            }
        }
    }
}

extension NpyReader.DType {
    var byteSize: Int {
        switch self {
        case .float16: return 2
        case .float32: return 4
        case .float64: return 8
        }
    }
}
