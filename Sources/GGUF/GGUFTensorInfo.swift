// One entry of a GGUF tensor directory (`gguf_tensor_info`).

/// Where a tensor lives in a GGUF file and how it is stored.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// Tensor name, e.g. `blk.0.attn_q.weight`.
    public let name: String
    /// Dimensions, `ne0` first: `ne0` values are contiguous. A matrix `[K, N]` is N rows of K values.
    public let dimensions: [Int]
    /// Storage type.
    public let type: GGMLType
    /// Absolute byte offset of the tensor's first block in the file.
    public let offset: Int
    /// Size of the tensor's data in bytes.
    public let byteCount: Int

    /// Number of values (product of the dimensions).
    public var elementCount: Int { dimensions.reduce(1, *) }

    /// Number of rows: the product of all dimensions after `ne0` (1 for a vector).
    public var rowCount: Int { dimensions.dropFirst().reduce(1, *) }

    /// Creates a tensor directory entry. `GGUFFile` validates entries it reads; this initialiser does not.
    public init(name: String, dimensions: [Int], type: GGMLType, offset: Int, byteCount: Int) {
        self.name = name
        self.dimensions = dimensions
        self.type = type
        self.offset = offset
        self.byteCount = byteCount
    }
}
