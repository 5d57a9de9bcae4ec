// Short human-readable renderings of metadata values, for `polygraph inspect` and error messages.

extension GGUFValue {
    /// A one-line rendering: scalars as written, strings quoted (cut at `maxLength` characters), short arrays
    /// in brackets, long ones as their type (`array[49152] of string`).
    public func displayString(maxArrayElements: Int = 8, maxLength: Int = 80) -> String {
        switch self {
        case .uint8(let v): return String(v)
        case .int8(let v): return String(v)
        case .uint16(let v): return String(v)
        case .int16(let v): return String(v)
        case .uint32(let v): return String(v)
        case .int32(let v): return String(v)
        case .uint64(let v): return String(v)
        case .int64(let v): return String(v)
        case .float32(let v): return String(v)
        case .float64(let v): return String(v)
        case .bool(let v): return String(v)
        case .string(let s):
            var escaped = ""
            for ch in s.unicodeScalars {
                switch ch {
                case "\n": escaped += "\\n"
                case "\t": escaped += "\\t"
                case "\r": escaped += "\\r"
                case "\"": escaped += "\\\""
                default: escaped.unicodeScalars.append(ch)
                }
            }
            if escaped.count > maxLength { return "\"" + escaped.prefix(maxLength) + "\"… (\(s.utf8.count) bytes)" }
            return "\"" + escaped + "\""
        case .packed(let array):
            if array.count > maxArrayElements { return typeDescription }
            return GGUFValue.array(array.values).displayString(maxArrayElements: maxArrayElements, maxLength: maxLength)
        case .array(let items):
            if items.count > maxArrayElements || items.contains(where: { $0.arrayValue != nil }) {
                return typeDescription
            }
            let inner = items.map { $0.displayString(maxArrayElements: maxArrayElements, maxLength: 24) }
            return "[" + inner.joined(separator: ", ") + "]"
        }
    }
}
