import CKernels
import Foundation

/// A weight matrix in the GGUF layout `[rows (outputs), cols (inputs)]`. By default it stays in the file's memory
/// mapping in its stored (usually quantised) format (`mapped`); a float32 copy (`dense`) exists only when asked for
/// (`WeightStorage.float32`) or when the weights were built in memory (tests).
public struct LinearWeight: @unchecked Sendable {
    public let rows: Int
    public let cols: Int
    /// `[rows, cols]` row-major float32 values, when the matrix was dequantised at load or built in memory.
    public let dense: FloatBuffer?
    /// The matrix in place in the GGUF mapping, in its stored format.
    public let mapped: MappedMatrix?
    /// The same matrix as quantised blocks with decode kernels (single-token products), when the type has one.
    public var quantized: QuantizedMatrix?

    /// A matrix held as float32 values (`weight` is `[rows, cols]` row-major).
    public init(weight: FloatBuffer, rows: Int, cols: Int, quantized: QuantizedMatrix? = nil) {
        precondition(weight.count == rows * cols, "LinearWeight: buffer size does not match rows × cols")
        dense = weight; mapped = nil; self.rows = rows; self.cols = cols; self.quantized = quantized
    }

    /// A matrix read in place from the GGUF mapping.
    public init(mapped: MappedMatrix, quantized: QuantizedMatrix? = nil) {
        dense = nil; self.mapped = mapped; rows = mapped.rows; cols = mapped.cols; self.quantized = quantized
    }

    /// Float32 values of the whole matrix without copying: the dense copy, or an F32 tensor used in place.
    private var floats: UnsafePointer<Float>? { dense.map { UnsafePointer($0.pointer) } ?? mapped?.floats }

    /// Writes row `r` (`cols` floats) to `out`: a token's embedding, dequantising only that row.
    func copyRow(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(r >= 0 && r < rows, "LinearWeight: row out of range")
        if let f = floats {
            out.update(from: f + r * cols, count: cols)
        } else if let mapped {
            mapped.dequantizeRows(r..<(r + 1), into: out)
        }
    }

    /// `y[m, rows] = x[m, cols] · Wᵀ`: the quantised kernel `mode` asks for (when the weights have blocks with a
    /// kernel) — callers pass a mode other than `.float32` only for decode steps, rows of one new token per sequence
    /// (a batched step reads each weight block once for its m rows); with an int8 `workspace` (the `quantizedInt8`
    /// mode) the int8 GEMM on the blocks; otherwise single-threaded sgemm on chunks of rows claimed by the
    /// pool's threads (`PooledProduct`) — F32 rows in place when they exist, else panels each thread dequantises
    /// into its own scratch (memory stays bounded by one panel per thread).
    func apply(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, m: Int, mode: DecodeMode = .float32,
        workspace: PanelWorkspace
    ) {
        if mode != .float32, let q = quantized {
            q.matvec(x, y, sequences: m, int8: mode == .quantizedInt8, pack: workspace.packWeights)
        } else {
            apply(band: 0..<rows, x, y, m: m, workspace: workspace)
        }
    }

    /// `y[m, band.count] = x[m, cols] · W[band]ᵀ`: the product with a band of the matrix's rows (an LM head a slice of
    /// the vocabulary at a time), by `apply`'s prefill kernels; each output equals the whole product's bit for bit.
    func apply(
        band: Range<Int>, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, m: Int,
        workspace: PanelWorkspace
    ) {
        precondition(band.lowerBound >= 0 && band.upperBound <= rows, "LinearWeight: band out of range")
        let first = band.lowerBound, cols = cols
        if workspace.int8, m > 1, let q = quantized, q.hasGemmInt8 {
            q.gemmInt8(x, y, m: m, band: band)
        } else if let f = floats {
            PooledProduct.linear(
                x, y, m: m, rows: band.count, cols: cols, targetFloats: workspace.targetFloats,
                rowsOf: { range, _ in f + (first + range.lowerBound) * cols }, needsScratch: false)
        } else if let mapped {
            PooledProduct.linear(
                x, y, m: m, rows: band.count, cols: cols, targetFloats: workspace.targetFloats,
                rowsOf: { range, scratch in
                    mapped.dequantizeRows((first + range.lowerBound)..<(first + range.upperBound), into: scratch!)
                    return UnsafePointer(scratch!)
                }, needsScratch: true)
        }
    }

    /// `y_i = x · W_iᵀ` for several weights of one input `x[m, cols]` (q/k/v; gate/up). A decode step (`mode` other
    /// than `.float32`) with quantised blocks runs them as one fork/join of the decode pool; otherwise one `apply` each.
    static func apply(
        _ products: [(weight: LinearWeight, y: UnsafeMutablePointer<Float>)], _ x: UnsafePointer<Float>,
        m: Int, mode: DecodeMode, workspace: PanelWorkspace
    ) {
        if mode != .float32 {
            let blocks = products.compactMap { p in p.weight.quantized.map { (matrix: $0, y: p.y) } }
            if blocks.count == products.count, Set(blocks.map(\.matrix.cols)).count == 1 {
                QuantizedMatrix.matvec(
                    blocks, x, sequences: m, int8: mode == .quantizedInt8, pack: workspace.packWeights)
                return
            }
        }
        for p in products { p.weight.apply(x, p.y, m: m, mode: mode, workspace: workspace) }
    }

    /// The gated MLP's first half (Shazeer 2020, SwiGLU): `gateOut = x · W_gateᵀ` and `out = silu(gateOut) ⊙ (x · W_upᵀ)`,
    /// both `[m, rows]`. A decode step with quantised blocks runs both products and the activation in one fork/join.
    static func applySwiGLU(
        gate: LinearWeight, up: LinearWeight, _ x: UnsafePointer<Float>,
        gateOut: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, m: Int, mode: DecodeMode,
        workspace: PanelWorkspace
    ) {
        precondition(gate.rows == up.rows && gate.cols == up.cols, "SwiGLU: gate and up shapes differ")
        if mode != .float32, let g = gate.quantized, let u = up.quantized {
            QuantizedMatrix.swiglu(
                gate: (g, gateOut), up: (u, out), x, sequences: m, int8: mode == .quantizedInt8,
                pack: workspace.packWeights)
            return
        }
        gate.apply(x, gateOut, m: m, mode: mode, workspace: workspace)
        up.apply(x, out, m: m, mode: mode, workspace: workspace)
        // Prefill keeps to the decode pool (OpenBLAS runs single-threaded); a vectorised e^x there.
        pg_swiglu_parallel(gateOut, out, m * gate.rows, Int32(QuantizedMatrix.workers))
    }

    /// The gated MLP's first half with `activation`: `gateOut = x · W_gateᵀ` (the pre-activation) and
    /// `out = act(gateOut) ⊙ (x · W_upᵀ)`, both `[m, rows]`. SiLU goes through `applySwiGLU` (fused decode kernel);
    /// GELU-tanh runs both products (one fork/join when quantised) and then the activation
    /// (`pg_gelu_tanh_parallel`).
    static func applyGatedMLP(
        _ activation: MLPActivation, gate: LinearWeight, up: LinearWeight, _ x: UnsafePointer<Float>,
        gateOut: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, m: Int,
        mode: DecodeMode, workspace: PanelWorkspace
    ) {
        switch activation {
        case .silu:
            applySwiGLU(gate: gate, up: up, x, gateOut: gateOut, out: out, m: m, mode: mode, workspace: workspace)
        case .geluTanh:
            precondition(gate.rows == up.rows && gate.cols == up.cols, "GeGLU: gate and up shapes differ")
            apply([(gate, gateOut), (up, out)], x, m: m, mode: mode, workspace: workspace)
            // Vectorised on the decode pool (one chunk, inline, for a decode step) instead of scalar tanhf.
            pg_gelu_tanh_parallel(gateOut, out, m * gate.rows, Int32(QuantizedMatrix.workers))
        }
    }
}

/// Where a model's weight matrices live while it runs.
public enum WeightStorage: String, Sendable, Codable, CaseIterable {
    /// In the GGUF file's memory mapping, in their stored format (default): resident memory stays near the file's
    /// size; prefill dequantises panels of rows into a small buffer for sgemm.
    case mapped
    /// Dequantised to float32 at load (about 4 bytes per weight, 7× a Q4 file): opt-in; prefill skips the panel
    /// dequantisation, which can help tiny models on machines with memory to spare.
    case float32
}

/// How single-token (decode) steps multiply by the weight matrices. Batched prefill uses F32 BLAS (on the dense copy,
/// or on panels dequantised from the mapping), except in `quantizedInt8` on a CPU with AVX-512 VNNI.
public enum DecodeMode: String, Sendable, Codable, CaseIterable {
    /// sgemv on the F32 weights (reads ~4 bytes per weight: memory-bound). A reference mode: with mapped weights
    /// (`WeightStorage.mapped`) every matrix is dequantised panel by panel at each token, which is slow.
    case float32
    /// Kernels on the GGUF's quantised blocks with F32 activations: equal to `float32` up to rounding. On AVX-512
    /// VNNI the kernels take the activations as exact 24-bit integers per 32 values (error ≤ 2⁻²³ of the block's
    /// largest value) and multiply them as three int8 digits on VNNI, faster than widening the weights to float
    /// (1.5B: twice); hidden states stay within the golden files' 1e-4 tolerance.
    case quantized
    /// Kernels on quantised blocks with activations quantised to int8 per 32 values (as llama.cpp): fastest,
    /// but hidden states differ from the F32 reference by ~0.5%. Where the CPU has AVX-512 VNNI, prefill runs the
    /// same way (an int8 GEMM on the blocks, ~3× the sgemm prefill; `POLYGRAPH_INT8_PREFILL=0` keeps sgemm).
    case quantizedInt8
}
