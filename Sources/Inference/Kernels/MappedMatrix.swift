import Foundation
import GGUF

/// A weight matrix `[rows, cols]` read in place from the GGUF file's memory mapping, in its stored format (any type
/// `GGMLType.canDequantize` covers). Nothing is copied at load: products dequantise panels of rows on demand, each
/// pool thread into a small buffer of its own (`PooledProduct`), so the process never holds a float32 copy of it.
public struct MappedMatrix: @unchecked Sendable {
    public let type: GGMLType
    public let rows: Int
    public let cols: Int
    /// Bytes of one stored row (`cols / blockSize` blocks).
    let rowBytes: Int
    let data: UnsafeRawPointer
    /// Keeps the memory mapping alive.
    let owner: AnyObject

    /// Wraps the 2-D `tensor` of `file` when its type can be dequantised and its rows are whole blocks; nil otherwise.
    public init?(file: GGUFFile, tensor: GGUFTensorInfo) {
        guard tensor.type.canDequantize, tensor.dimensions.count == 2, tensor.dimensions[0] > 0,
            tensor.dimensions[0] % tensor.type.blockSize == 0,
            let need = tensor.type.byteCount(elements: tensor.elementCount), need <= tensor.byteCount
        else { return nil }
        let bytes = file.bytes(of: tensor)
        guard let base = bytes.baseAddress, bytes.count >= need else { return nil }
        type = tensor.type; cols = tensor.dimensions[0]; rows = tensor.dimensions[1]
        rowBytes = cols / type.blockSize * type.bytesPerBlock
        data = base; owner = file
    }

    /// The values themselves when the file stores them as F32 (they can be used in place, no dequantisation).
    var floats: UnsafePointer<Float>? {
        guard type == .f32, Int(bitPattern: data) % MemoryLayout<Float>.alignment == 0 else { return nil }
        return data.assumingMemoryBound(to: Float.self)
    }

    /// Dequantises rows `range` into `out` (`range.count × cols` floats).
    func dequantizeRows(_ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "MappedMatrix: rows out of range")
        let done = type.dequantize(data + range.lowerBound * rowBytes, into: out, count: range.count * cols)
        precondition(done, "MappedMatrix: \(type) was checked dequantisable at load")
    }
}

/// How one forward pass multiplies by mapped weights: the panel size that products on dequantised rows aim for
/// (`PooledProduct`: each pool thread dequantises its chunks into a scratch buffer of its own) and whether products
/// of several rows run the int8 GEMM on the blocks instead.
final class PanelWorkspace: Sendable {
    /// Floats a panel aims for by default (4 MiB; `POLYGRAPH_PANEL_FLOATS` overrides it for tuning): large enough that
    /// each sgemm call is efficient, small enough to stay bounded.
    static let defaultTargetFloats: Int = {
        if let s = ProcessInfo.processInfo.environment["POLYGRAPH_PANEL_FLOATS"], let n = Int(s), n > 0 { return n }
        return 1 << 20
    }()
    /// Floats this workspace's panels aim for.
    let targetFloats: Int
    /// Products of several rows on quantised blocks run the int8 GEMM (`QuantizedMatrix.gemmInt8`) where it has a
    /// kernel, instead of sgemm on dequantised panels: set in the `quantizedInt8` decode mode.
    let int8: Bool
    /// A pass of two or more sequences: batched int8 steps may make packed weight copies (`PackedWeights`); a
    /// single sequence's prompt rows only use copies that exist.
    let packWeights: Bool

    init(targetFloats: Int = PanelWorkspace.defaultTargetFloats, int8: Bool = false, packWeights: Bool = false) {
        self.targetFloats = targetFloats; self.int8 = int8; self.packWeights = packWeights
    }
}
