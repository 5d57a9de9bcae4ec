/// Which model a set of weights is: what a probe artifact records (its `model` object) and what the gate compares
/// before scoring. Two identities are the same weights when their sha256 agree (``sameWeights(as:)``).
public struct ModelIdentity: Codable, Sendable, Equatable {
    /// Human name from the GGUF metadata, e.g. `SmolLM2 135M Instruct`.
    public var name: String
    /// Architecture string from the GGUF metadata, e.g. `llama`.
    public var architecture: String
    /// Lower-case hex sha256 of the GGUF file.
    public var sha256: String

    public init(name: String, architecture: String, sha256: String) {
        self.name = name
        self.architecture = architecture
        self.sha256 = sha256
    }

    /// Whether two sha256 digests (hex, any case) are the same: the one comparison of model files in the package.
    public static func sameDigest(_ a: String, _ b: String) -> Bool { a.lowercased() == b.lowercased() }

    /// Whether `sha256` (hex, any case) is this model's file digest.
    public func matches(sha256 other: String) -> Bool { Self.sameDigest(sha256, other) }

    /// Whether `other` is the same weights (the same file digest; names and architectures are not compared).
    public func sameWeights(as other: ModelIdentity) -> Bool { matches(sha256: other.sha256) }
}
