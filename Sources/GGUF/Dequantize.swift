// Dequantisation entry points: turn a tensor's stored blocks into row-major Float32.

/// Namespace for the per-format dequantisation kernels (one file per family).
enum Dequantize {
    /// Dequantises `elements` values of `type` from `src` into `dst`. `elements` must be a whole number of blocks.
    /// Returns false when the type has no kernel.
    static func run(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, elements: Int)
        -> Bool
    {
        let blocks = elements / type.blockSize
        switch type {
        case .f32: f32(src, dst, count: elements)
        case .f16: f16(src, dst, count: elements)
        case .bf16: bf16(src, dst, count: elements)
        case .q4_0: q4_0(src, dst, blocks: blocks)
        case .q4_1: q4_1(src, dst, blocks: blocks)
        case .q5_0: q5_0(src, dst, blocks: blocks)
        case .q5_1: q5_1(src, dst, blocks: blocks)
        case .q8_0: q8_0(src, dst, blocks: blocks)
        case .iq4_nl: iq4_nl(src, dst, blocks: blocks)
        case .iq4_xs: iq4_xs(src, dst, blocks: blocks)
        case .q2_K: q2_K(src, dst, blocks: blocks)
        case .q3_K: q3_K(src, dst, blocks: blocks)
        case .q4_K: q4_K(src, dst, blocks: blocks)
        case .q5_K: q5_K(src, dst, blocks: blocks)
        case .q6_K: q6_K(src, dst, blocks: blocks)
        default: return false
        }
        return true
    }
}

extension GGMLType {
    /// Dequantises `count` values stored as blocks of this type at `src` into `dst` (row-major Float32), for callers
    /// that read tensors in place from a mapping (e.g. a few rows at a time). `count` must be a whole number of
    /// blocks and `src` must hold them; returns false (writing nothing) for a type without a kernel or a partial block.
    public func dequantize(_ src: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>, count: Int) -> Bool {
        guard canDequantize, count >= 0, count % blockSize == 0 else { return false }
        return Dequantize.run(self, src, dst, elements: count)
    }
}

extension GGUFFile {
    /// Dequantises a tensor to Float32, row-major: `rowCount` rows of `dimensions[0]` contiguous values
    /// (`[ne1…, ne0]` in row-major terms). Throws for types without a kernel (see `GGMLType.canDequantize`).
    public func dequantize(_ tensor: GGUFTensorInfo) throws -> [Float] {
        try checkDequantizable(tensor)
        let n = tensor.elementCount
        return try [Float](unsafeUninitializedCapacity: n) { buffer, count in
            if let out = buffer.baseAddress { try dequantize(tensor, into: out) }
            count = n
        }
    }

    /// Dequantises a tensor into `into`, which must have room for `tensor.elementCount` floats.
    public func dequantize(_ tensor: GGUFTensorInfo, into out: UnsafeMutablePointer<Float>) throws {
        try checkDequantizable(tensor)
        let raw = bytes(of: tensor)
        guard let src = raw.baseAddress else { return }
        _ = Dequantize.run(tensor.type, src, out, elements: tensor.elementCount)
    }

    /// Dequantises rows `rows` of a tensor (each row is `dimensions[0]` values, a whole number of blocks) into
    /// `into`, which must have room for `rows.count * dimensions[0]` floats: e.g. one token's embedding.
    public func dequantizeRows(_ tensor: GGUFTensorInfo, rows: Range<Int>, into out: UnsafeMutablePointer<Float>) throws
    {
        try checkDequantizable(tensor)
        guard rows.lowerBound >= 0, rows.upperBound <= tensor.rowCount else {
            throw GGUFError.rowsOutOfRange(path: path, tensor: tensor.name, rows: rows, rowCount: tensor.rowCount)
        }
        let rowLength = tensor.dimensions.first ?? 1
        let rowBytes = rowLength / tensor.type.blockSize * tensor.type.bytesPerBlock
        guard let src = bytes(of: tensor).baseAddress, !rows.isEmpty else { return }
        _ = Dequantize.run(tensor.type, src + rows.lowerBound * rowBytes, out, elements: rows.count * rowLength)
    }

    /// Dequantises the tensor with this name.
    public func dequantize(named name: String) throws -> [Float] {
        try dequantize(requireTensor(named: name))
    }

    private func checkDequantizable(_ tensor: GGUFTensorInfo) throws {
        guard tensor.type.canDequantize else {
            throw GGUFError.unsupportedDequantization(path: path, tensor: tensor.name, type: tensor.type)
        }
        // A caller-built GGUFTensorInfo must still describe bytes inside this file.
        guard let need = tensor.type.byteCount(elements: tensor.elementCount), need <= tensor.byteCount,
            bytes(of: tensor).count == tensor.byteCount
        else {
            throw GGUFError.tensorOutOfBounds(
                path: path, tensor: tensor.name, offset: tensor.offset,
                byteCount: tensor.byteCount, fileSize: fileSize)
        }
    }
}
