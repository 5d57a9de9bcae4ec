/// A vocabulary value stored as its canonical string: `description` writes it, `init(parsing:)` reads it back.
/// `Codable` goes through that string, and a string that does not parse is a decoding error (with the coding path)
/// carrying the `HookError` that names the valid forms.
public protocol HookText: Codable, CustomStringConvertible {
    init(parsing text: String) throws
}

extension HookText {
    public init(from decoder: Decoder) throws { self = try Self.decodeText(from: decoder) }
    public func encode(to encoder: Encoder) throws { try encodeText(to: encoder) }

    /// The string form read back (a `String`-backed enum must call this from its own `init(from:)`: the standard
    /// library's raw-value coding would otherwise win over the default above).
    public static func decodeText(from decoder: Decoder) throws -> Self {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        do { return try Self(parsing: text) } catch let error as HookError {
            throw DecodingError.dataCorrupted(
                .init(codingPath: c.codingPath, debugDescription: error.description, underlyingError: error))
        }
    }

    public func encodeText(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
