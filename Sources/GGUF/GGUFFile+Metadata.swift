// Typed metadata getters: each names the key and the expected and found types when it fails.

extension GGUFFile {
    private func value(_ key: String) throws -> GGUFValue {
        guard let v = metadata[key] else { throw GGUFError.missingKey(path: path, key: key) }
        return v
    }

    private func mismatch(_ key: String, _ expected: String, _ v: GGUFValue) -> GGUFError {
        .wrongType(path: path, key: key, expected: expected, found: v.typeDescription)
    }

    /// The value at `key` converted by `extract`; a wrong type is an error naming `expected` and what was found.
    private func typed<T>(_ key: String, _ expected: String, _ extract: (GGUFValue) -> T?) throws -> T {
        let v = try value(key)
        guard let t = extract(v) else { throw mismatch(key, expected, v) }
        return t
    }

    /// The array at `key` with every element converted by `extract` (one wrong element fails the whole key).
    private func typedArray<T>(_ key: String, _ expected: String, _ extract: (GGUFValue) -> T?) throws -> [T] {
        let v = try value(key)
        guard let a = v.arrayValue else { throw mismatch(key, expected, v) }
        var out: [T] = []
        out.reserveCapacity(a.count)
        for e in a {
            guard let t = extract(e) else { throw mismatch(key, expected, v) }
            out.append(t)
        }
        return out
    }

    /// A string value.
    public func string(_ key: String) throws -> String { try typed(key, "string") { $0.stringValue } }

    /// An integer of any width (uint8 … int64) as `Int`.
    public func int(_ key: String) throws -> Int { try typed(key, "an integer that fits in Int") { $0.intValue } }

    /// A float32 or float64 value as `Float`.
    public func float(_ key: String) throws -> Float { try typed(key, "float32 or float64") { $0.floatValue } }

    /// A bool value.
    public func bool(_ key: String) throws -> Bool { try typed(key, "bool") { $0.boolValue } }

    /// An array of strings.
    public func strings(_ key: String) throws -> [String] {
        if case .packed(let array)? = metadata[key], let strings = array.strings { return strings }
        return try typedArray(key, "array of string") { $0.stringValue }
    }

    /// An array of integers (any width) as `[Int]`.
    public func ints(_ key: String) throws -> [Int] { try typedArray(key, "array of integers") { $0.intValue } }

    /// An array of float32 or float64 as `[Float]`.
    public func floats(_ key: String) throws -> [Float] { try typedArray(key, "array of floats") { $0.floatValue } }

    /// A string, nil when the key is absent (still throws when present with another type).
    public func optionalString(_ key: String) throws -> String? {
        metadata[key] == nil ? nil : try string(key)
    }

    /// An integer, nil when the key is absent (still throws when present with another type).
    public func optionalInt(_ key: String) throws -> Int? {
        metadata[key] == nil ? nil : try int(key)
    }

    /// A float, nil when the key is absent (still throws when present with another type).
    public func optionalFloat(_ key: String) throws -> Float? {
        metadata[key] == nil ? nil : try float(key)
    }

    /// A bool, nil when the key is absent (still throws when present with another type).
    public func optionalBool(_ key: String) throws -> Bool? {
        metadata[key] == nil ? nil : try bool(key)
    }

    /// An array of strings, nil when the key is absent.
    public func optionalStrings(_ key: String) throws -> [String]? {
        metadata[key] == nil ? nil : try strings(key)
    }

    /// An array of integers, nil when the key is absent.
    public func optionalInts(_ key: String) throws -> [Int]? {
        metadata[key] == nil ? nil : try ints(key)
    }

    /// An array of floats, nil when the key is absent.
    public func optionalFloats(_ key: String) throws -> [Float]? {
        metadata[key] == nil ? nil : try floats(key)
    }

    /// The architecture (`general.architecture`), e.g. `llama`.
    public var architecture: String? { metadata["general.architecture"]?.stringValue }
}
