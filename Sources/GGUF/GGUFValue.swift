// A GGUF metadata value (GGUF spec, ggml/docs/gguf.md: `gguf_metadata_value_type`).

/// One metadata value of a GGUF file. Arrays may nest (an array of arrays is legal GGUF).
public indirect enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    case array([GGUFValue])
    /// An array of scalars or strings as read from a file, kept in its encoded form (`GGUFArray`); equal to the
    /// `.array` of the same elements.
    case packed(GGUFArray)

    public static func == (a: GGUFValue, b: GGUFValue) -> Bool {
        switch (a, b) {
        case (.uint8(let x), .uint8(let y)): x == y
        case (.int8(let x), .int8(let y)): x == y
        case (.uint16(let x), .uint16(let y)): x == y
        case (.int16(let x), .int16(let y)): x == y
        case (.uint32(let x), .uint32(let y)): x == y
        case (.int32(let x), .int32(let y)): x == y
        case (.uint64(let x), .uint64(let y)): x == y
        case (.int64(let x), .int64(let y)): x == y
        case (.float32(let x), .float32(let y)): x == y
        case (.float64(let x), .float64(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.packed(let x), .packed(let y)): x == y
        case (.array, _), (.packed, _): a.arrayValue.flatMap { x in b.arrayValue.map { x == $0 } } ?? false
        default: false
        }
    }

    /// The on-disk type code (`gguf_metadata_value_type`).
    public var typeCode: UInt32 {
        switch self {
        case .uint8: 0
        case .int8: 1
        case .uint16: 2
        case .int16: 3
        case .uint32: 4
        case .int32: 5
        case .float32: 6
        case .bool: 7
        case .string: 8
        case .array, .packed: 9
        case .uint64: 10
        case .int64: 11
        case .float64: 12
        }
    }

    /// The spec's name of a type code (`uint32`, `string`, ...), or `unknown(N)`.
    public static func typeName(code: UInt32) -> String {
        switch code {
        case 0: "uint8"
        case 1: "int8"
        case 2: "uint16"
        case 3: "int16"
        case 4: "uint32"
        case 5: "int32"
        case 6: "float32"
        case 7: "bool"
        case 8: "string"
        case 9: "array"
        case 10: "uint64"
        case 11: "int64"
        case 12: "float64"
        default: "unknown(\(code))"
        }
    }

    /// Human-readable type, e.g. `uint32` or `array[49152] of string`.
    public var typeDescription: String {
        if case .packed(let p) = self {
            return p.count == 0 ? "array[0]" : "array[\(p.count)] of \(Self.typeName(code: p.elementCode))"
        }
        guard case .array(let items) = self else { return Self.typeName(code: typeCode) }
        guard let first = items.first else { return "array[0]" }
        return "array[\(items.count)] of \(first.typeDescription)"
    }

    /// The value as an `Int` when it is an integer of any width that fits.
    public var intValue: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        default: nil
        }
    }

    /// The value as a `Float` when it is a float32 or float64.
    public var floatValue: Float? {
        switch self {
        case .float32(let v): v
        case .float64(let v): Float(v)
        default: nil
        }
    }

    /// The value when it is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value when it is a bool.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements when it is an array.
    public var arrayValue: [GGUFValue]? {
        if case .array(let a) = self { return a }
        if case .packed(let p) = self { return p.values }
        return nil
    }
}

extension GGUFValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral
{
    /// A string literal is a `.string`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A boolean literal is a `.bool`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A float literal is a `.float32` (the type llama.cpp uses for hyper-parameters).
    public init(floatLiteral value: Double) { self = .float32(Float(value)) }
    /// An integer literal is a `.uint32` when it fits (the type llama.cpp uses for counts), else an `.int64`.
    public init(integerLiteral value: Int) {
        self = UInt32(exactly: value).map { .uint32($0) } ?? .int64(Int64(value))
    }
    /// An array literal is an `.array`.
    public init(arrayLiteral elements: GGUFValue...) { self = .array(elements) }
}
