// Typed metadata getters: each names the key and the expected and found types when it fails.

extension GGUFFile {
    private func value(_ key: String) throws -> GGUFValue {
        guard let v = metadata[key] else { throw GGUFError.missingKey(path: path, key: key) }
        return v
    }

    private func mismatch(_ key: String, _ expected: String, _ v: GGUFValue) -> GGUFError {
        .wrongType(path: path, key: key, expected: expected, found: v.typeDescription)
    }

    /// A string value.
    public func string(_ key: String) throws -> String {
        let v = try value(key)
        guard let s = v.stringValue else { throw mismatch(key, "string", v) }
        return s
    }

    /// An integer of any width (uint8 … int64) as `Int`.
    public func int(_ key: String) throws -> Int {
        let v = try value(key)
        guard let n = v.intValue else { throw mismatch(key, "an integer that fits in Int", v) }
        return n
    }

    /// A float32 or float64 value as `Float`.
    public func float(_ key: String) throws -> Float {
        let v = try value(key)
        guard let f = v.floatValue else { throw mismatch(key, "float32 or float64", v) }
        return f
    }

    /// A bool value.
    public func bool(_ key: String) throws -> Bool {
        let v = try value(key)
        guard let b = v.boolValue else { throw mismatch(key, "bool", v) }
        return b
    }

    /// An array of strings.
    public func strings(_ key: String) throws -> [String] {
        let v = try value(key)
        guard let a = v.arrayValue else { throw mismatch(key, "array of string", v) }
        var out: [String] = []
        out.reserveCapacity(a.count)
        for e in a {
            guard let s = e.stringValue else { throw mismatch(key, "array of string", v) }
            out.append(s)
        }
        return out
    }

    /// An array of integers (any width) as `[Int]`.
    public func ints(_ key: String) throws -> [Int] {
        let v = try value(key)
        guard let a = v.arrayValue else { throw mismatch(key, "array of integers", v) }
        var out: [Int] = []
        out.reserveCapacity(a.count)
        for e in a {
            guard let n = e.intValue else { throw mismatch(key, "array of integers", v) }
            out.append(n)
        }
        return out
    }

    /// An array of float32 or float64 as `[Float]`.
    public func floats(_ key: String) throws -> [Float] {
        let v = try value(key)
        guard let a = v.arrayValue else { throw mismatch(key, "array of floats", v) }
        var out: [Float] = []
        out.reserveCapacity(a.count)
        for e in a {
            guard let f = e.floatValue else { throw mismatch(key, "array of floats", v) }
            out.append(f)
        }
        return out
    }

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
