import CHDF5

/// A Swift scalar with a native libhdf5 memory type (used for both memory and file types).
protocol H5Scalar: Sendable {
    /// The predefined native type (not owned; never closed).
    static func nativeType() -> hid_t
    /// What the store calls this type in messages, e.g. `float32`.
    static var typeName: String { get }
}

extension Float: H5Scalar {
    static func nativeType() -> hid_t { ch5_native_float() }
    static var typeName: String { "float32" }
}
extension Double: H5Scalar {
    static func nativeType() -> hid_t { ch5_native_double() }
    static var typeName: String { "float64" }
}
extension Int8: H5Scalar {
    static func nativeType() -> hid_t { ch5_native_int8() }
    static var typeName: String { "int8" }
}
extension Int32: H5Scalar {
    static func nativeType() -> hid_t { ch5_native_int32() }
    static var typeName: String { "int32" }
}
extension Int64: H5Scalar {
    static func nativeType() -> hid_t { ch5_native_int64() }
    static var typeName: String { "int64" }
}

/// The element type of a dataset the store creates.
enum H5ElementType: Equatable {
    case float32, int8, int32, int64
    /// Variable-length UTF-8 strings (h5py reads them as `str` with `.asstr()`).
    case utf8String

    /// A fresh, owned copy of the file/memory type.
    func makeType(_ context: H5Context) throws -> H5Handle {
        try HDF5Library.shared.locked {
            let base: hid_t
            switch self {
            case .float32: base = ch5_native_float()
            case .int8: base = ch5_native_int8()
            case .int32: base = ch5_native_int32()
            case .int64: base = ch5_native_int64()
            case .utf8String: base = ch5_c_s1()
            }
            let id = try context.check(id: H5Tcopy(base), "copy datatype")
            let handle = H5Handle(id, kind: .datatype, context: context)
            if self == .utf8String {
                try context.check(H5Tset_size(id, ch5_variable()), "make variable-length string type")
                try context.check(H5Tset_cset(id, H5T_CSET_UTF8), "set UTF-8 character set")
            }
            return handle
        }
    }
}

/// Compression of appendable datasets: `none`, or deflate (gzip) at a level 0–9, with the byte-shuffle
/// filter before it (shuffle groups the bytes of floats by significance, which deflate compresses better).
public enum StoreCompression: Equatable, Sendable, CustomStringConvertible {
    case none
    case gzip(level: Int, shuffle: Bool)

    /// The default: shuffle + deflate level 1 (hidden states barely compress; level 1 is the cheapest).
    public static let `default` = StoreCompression.gzip(level: 1, shuffle: true)

    /// Parses `none` or `gzip-N` (N in 0...9; shuffle is on). Throws `invalidArgument` otherwise.
    public init(parsing text: String) throws {
        let lowered = text.lowercased()
        if lowered == "none" { self = .none; return }
        if lowered.hasPrefix("gzip-"), let level = Int(lowered.dropFirst(5)), (0...9).contains(level) {
            self = .gzip(level: level, shuffle: true)
            return
        }
        throw StoreError.invalidArgument(
            what: "compression '\(text)'", detail: "expected none or gzip-N with N from 0 to 9 (default gzip-1)")
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case let .gzip(level, shuffle): return shuffle ? "shuffle+gzip-\(level)" : "gzip-\(level)"
        }
    }
}
