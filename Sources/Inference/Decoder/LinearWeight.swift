import Foundation

/// A dense weight matrix in the GGUF layout `[rows (outputs), cols (inputs)]`, dequantised to F32 at load.
public struct LinearWeight: @unchecked Sendable {
    /// `[rows, cols]` row-major.
    public let weight: FloatBuffer
    public let rows: Int
    public let cols: Int
    /// The same matrix in its quantised GGUF blocks, used for single-token decode when present.
    public var quantized: QuantizedMatrix?

    public init(weight: FloatBuffer, rows: Int, cols: Int, quantized: QuantizedMatrix? = nil) {
        precondition(weight.count == rows * cols, "LinearWeight: buffer size does not match rows × cols")
        self.weight = weight; self.rows = rows; self.cols = cols; self.quantized = quantized
    }

    /// `y[m, rows] = x[m, cols] · Wᵀ`: for one row, the quantised kernel `mode` asks for (when the weights have
    /// blocks with a kernel); otherwise BLAS on F32.
    func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, m: Int, mode: DecodeMode = .float32) {
        if m == 1, mode != .float32, let q = quantized {
            q.matvec(x, y, int8: mode == .quantizedInt8)
        } else {
            Kernels.linear(x, weight.pointer, y, m: m, n: rows, k: cols)
        }
    }

    /// `y_i = x · W_iᵀ` for several weights of one input `x[m, cols]` (q/k/v; gate/up). A decode step with
    /// quantised blocks runs them as one fork/join of the decode pool; otherwise one `apply` each.
    static func apply(_ products: [(weight: LinearWeight, y: UnsafeMutablePointer<Float>)], _ x: UnsafePointer<Float>,
                      m: Int, mode: DecodeMode) {
        if m == 1, mode != .float32 {
            let blocks = products.compactMap { p in p.weight.quantized.map { (matrix: $0, y: p.y) } }
            if blocks.count == products.count, Set(blocks.map(\.matrix.cols)).count == 1 {
                QuantizedMatrix.matvec(blocks, x, int8: mode == .quantizedInt8)
                return
            }
        }
        for p in products { p.weight.apply(x, p.y, m: m, mode: mode) }
    }

    /// The gated MLP's first half (Shazeer 2020, SwiGLU): `gateOut = x · W_gateᵀ` and `out = silu(gateOut) ⊙ (x · W_upᵀ)`,
    /// both `[m, rows]`. A decode step with quantised blocks runs both products and the activation in one fork/join.
    static func applySwiGLU(gate: LinearWeight, up: LinearWeight, _ x: UnsafePointer<Float>,
                            gateOut: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, m: Int, mode: DecodeMode) {
        precondition(gate.rows == up.rows && gate.cols == up.cols, "SwiGLU: gate and up shapes differ")
        if m == 1, mode != .float32, let g = gate.quantized, let u = up.quantized {
            QuantizedMatrix.swiglu(gate: (g, gateOut), up: (u, out), x, int8: mode == .quantizedInt8)
            return
        }
        gate.apply(x, gateOut, m: m, mode: mode)
        up.apply(x, out, m: m, mode: mode)
        Kernels.swiglu(gateOut, out, out, count: m * gate.rows)
    }

    /// The gated MLP's first half with `activation`: `gateOut = x · W_gateᵀ` (the pre-activation) and
    /// `out = act(gateOut) ⊙ (x · W_upᵀ)`, both `[m, rows]`. SiLU goes through `applySwiGLU` (fused decode kernel);
    /// GELU-tanh runs both products (one fork/join when quantised) and then the activation.
    static func applyGatedMLP(_ activation: MLPActivation, gate: LinearWeight, up: LinearWeight, _ x: UnsafePointer<Float>,
                              gateOut: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, m: Int,
                              mode: DecodeMode) {
        switch activation {
        case .silu:
            applySwiGLU(gate: gate, up: up, x, gateOut: gateOut, out: out, m: m, mode: mode)
        case .geluTanh:
            precondition(gate.rows == up.rows && gate.cols == up.cols, "GeGLU: gate and up shapes differ")
            apply([(gate, gateOut), (up, out)], x, m: m, mode: mode)
            Kernels.geluTanhGated(gateOut, out, out, count: m * gate.rows)
        }
    }
}

/// How single-token (decode) steps multiply by the weight matrices. Batched prefill always uses F32 BLAS.
public enum DecodeMode: String, Sendable, Codable, CaseIterable {
    /// sgemv on the F32 weights (reads ~4 bytes per weight: memory-bound).
    case float32
    /// Kernels on the GGUF's quantised blocks with F32 activations: equal to `float32` up to rounding.
    case quantized
    /// Kernels on quantised blocks with activations quantised to int8 per 32 values (as llama.cpp): fastest,
    /// but hidden states differ from the F32 reference by ~0.5%.
    case quantizedInt8
}
