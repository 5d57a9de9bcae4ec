import CKernels
import Foundation
import GGUF

/// A weight matrix left in its GGUF quantised blocks (inside the file's memory mapping), for single-token decode:
/// reading 4.5–8.5 bits per weight instead of 32 makes decode far less memory-bound. Legacy formats (Q4_0, Q4_1,
/// Q5_0, Q8_0) need rows of whole 32-value blocks, K-quants (Q4_K, Q6_K) whole 256-value super-blocks (so a
/// Q4_K matrix 896 wide has no kernel). Outside `quantizedInt8` results equal the dequantised-F32 product up to
/// float rounding (`ActivationForm`).
public struct QuantizedMatrix: @unchecked Sendable {
    /// Block formats with a decode kernel. F16's and BF16's read F32 activations in every mode; Q2_K's, Q3_K's,
    /// IQ4_NL's and IQ4_XS's int8 ones in `quantizedInt8` and F32 ones otherwise (no 24-bit kernels).
    public static let supportedTypes: Set<GGMLType> = [
        .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_nl, .iq4_xs, .f16, .bf16,
    ]

    /// Row widths the kernels of `type` take: whole blocks, and whole groups of 32 values for F16 and BF16.
    static func kernelWidth(_ type: GGMLType) -> Int { max(type.blockSize, 32) }

    public let type: GGMLType
    public let rows: Int
    public let cols: Int
    let data: UnsafeRawPointer
    /// Keeps the memory mapping alive.
    let owner: AnyObject
    /// The packed int8 copy for batched integer steps (`quantizedInt8`, and `quantized` on AVX-512 VNNI; 32-value
    /// formats only; made on first use).
    let packed: PackedWeights?

    /// Formats `PackedWeights` can keep.
    static let packableTypes: Set<GGMLType> = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0]

    /// Wraps `tensor` of `file` when its type has a kernel and its rows are whole blocks; nil otherwise.
    public init?(file: GGUFFile, tensor: GGUFTensorInfo) {
        guard QuantizedMatrix.supportedTypes.contains(tensor.type), tensor.dimensions.count == 2,
            tensor.dimensions[0] % Self.kernelWidth(tensor.type) == 0, tensor.dimensions[0] <= 131_072,
            let base = file.bytes(of: tensor).baseAddress
        else { return nil }
        type = tensor.type; cols = tensor.dimensions[0]; rows = tensor.dimensions[1]
        data = base; owner = file
        packed = Self.packableTypes.contains(type) ? PackedWeights(budget: .shared) : nil
    }

    /// Wraps raw blocks kept alive by `owner` (tests build them by hand).
    init(
        type: GGMLType, rows: Int, cols: Int, data: UnsafeRawPointer, owner: AnyObject,
        packing: PackedWeights.Budget = .shared
    ) {
        precondition(cols % Self.kernelWidth(type) == 0, "QuantizedMatrix: rows must be whole \(type) blocks")
        self.type = type; self.rows = rows; self.cols = cols; self.data = data; self.owner = owner
        packed = Self.packableTypes.contains(type) ? PackedWeights(budget: packing) : nil
    }

    /// `y[rows] = W · x[cols]`, rows split across the decode threads. With `int8`, x is first quantised per block
    /// of 32 to int8 (llama.cpp's Q8_0 activations; the K-quant kernels read the same blocks, eight per super-block)
    /// and blocks are integer dot products. With `sequences` > 1 (a batched decode step) x is `[sequences, cols]`
    /// and y `[sequences, rows]`: each weight block is read once for all of them, and each row of y equals what a
    /// call with that row alone gives, bit for bit. `pack`: a batched int8 call may make the packed copy
    /// (`PackedWeights`); without it only an existing copy is used.
    func matvec(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, sequences: Int = 1, int8: Bool = false,
        pack: Bool = true, threads: Int = QuantizedMatrix.workers
    ) {
        QuantizedMatrix.matvec([(self, y)], x, sequences: sequences, int8: int8, pack: pack, threads: threads)
    }

    /// `y_i[sequences, rows_i] = x[sequences, cols] · W_iᵀ` for matrices that share their input (q/k/v, gate/up) in
    /// one fork/join of the decode pool (`pg_matvec_batch`): the rows of all of them are split across the threads.
    static func matvec(
        _ products: [(matrix: QuantizedMatrix, y: UnsafeMutablePointer<Float>)],
        _ x: UnsafePointer<Float>, sequences: Int = 1, int8: Bool = false, pack: Bool = true,
        threads: Int = QuantizedMatrix.workers
    ) {
        guard let cols = products.first?.matrix.cols else { return }
        let form = ActivationForm(int8: int8)
        let jobs = products.map { p in
            precondition(p.matrix.cols == cols, "QuantizedMatrix: a batch must share its input width")
            return p.matrix.job(p.y, packed: form.packs && sequences > 1, create: pack, threads: threads)
        }
        withActivations(x, cols: cols, sequences: sequences, form: form) { qx, dx, sx in
            jobs.withUnsafeBufferPointer { j in
                pg_matvec_batch(
                    j.baseAddress!, Int32(j.count), cols, sequences, x, qx, dx, sx, form.digits, Int32(threads))
            }
        }
        // Keep the matrices (and so their memory mappings) alive until the products are done.
        withExtendedLifetime(products) {}
    }

    /// `gate.y = W_gate · x`, `up.y = silu(gate.y) ⊙ (W_up · x)` (SwiGLU, Shazeer 2020) in one fork/join
    /// (`pg_matvec_swiglu`): each thread finishes the activation on the rows it computed.
    static func swiglu(
        gate: (matrix: QuantizedMatrix, y: UnsafeMutablePointer<Float>),
        up: (matrix: QuantizedMatrix, y: UnsafeMutablePointer<Float>),
        _ x: UnsafePointer<Float>, sequences: Int = 1, int8: Bool = false, pack: Bool = true,
        threads: Int = QuantizedMatrix.workers
    ) {
        precondition(
            gate.matrix.rows == up.matrix.rows && gate.matrix.cols == up.matrix.cols,
            "QuantizedMatrix: SwiGLU needs gate and up of one shape")
        let cols = gate.matrix.cols
        let form = ActivationForm(int8: int8)
        withActivations(x, cols: cols, sequences: sequences, form: form) { qx, dx, sx in
            pg_matvec_swiglu(
                gate.matrix.job(
                    gate.y, packed: form.packs && sequences > 1, create: pack, threads: threads),
                up.matrix.job(
                    up.y, packed: form.packs && sequences > 1, create: pack, threads: threads),
                cols, sequences, x, qx, dx, sx, form.digits, Int32(threads))
        }
        withExtendedLifetime((gate.matrix, up.matrix)) {}
    }

    /// The C description of `y = self · x`; with `packed` (a batched int8 step) it carries the packed copy when
    /// there is one or one can be made now (`PackedWeights`).
    private func job(
        _ y: UnsafeMutablePointer<Float>, packed: Bool = false, create: Bool = true, threads: Int = 1
    ) -> pg_matvec_job {
        precondition(QuantizedMatrix.supportedTypes.contains(type), "QuantizedMatrix: no kernel for \(type)")
        let p = packed ? self.packed?.pointer(for: self, threads: threads, create: create) : nil
        return pg_matvec_job(type: Int32(type.rawValue), w: data, rows: rows, y: y, packed: p)
    }

    /// How the kernels of one product read its activations.
    enum ActivationForm {
        /// F32 (the `quantized` mode without AVX-512 VNNI).
        case float32
        /// int8 per 32 values (`quantizedInt8`; pg_quantize_q8).
        case int8
        /// The `quantized` mode on AVX-512 VNNI: 24-bit integers per 32 values as three int8 digit rows
        /// (pg_quantize_q24), equal to the F32 product up to float rounding.
        case digits24

        init(int8: Bool) {
            self = int8 ? .int8 : QuantizedMatrix.digits24Decode ? .digits24 : .float32
        }

        /// Whether batched steps read a matrix's packed int8 copy (`PackedWeights`) where there is one: with integer
        /// activations (int8 or digit rows), not with F32 ones.
        var packs: Bool { self != .float32 }

        /// Activation rows per sequence (the C side's `digits`; 0 for F32).
        var digits: Int32 {
            switch self {
            case .float32: 0
            case .int8: 1
            case .digits24: 3
            }
        }
    }

    /// Whether the `quantized` mode's products take 24-bit integer activations (AVX-512 VNNI and DQ).
    static let digits24Decode = pg_q24_supported() != 0

    /// Calls `body` with x's `sequences` rows as `form` has them: for `int8`, quants `[sequences, cols]`, scales dx
    /// and offsets sx `[sequences, cols / 32]` each (pg_quantize_q8); for `digits24`, three digit rows per sequence
    /// (`[3 · sequences, cols]` and `[3 · sequences, cols / 32]`; pg_quantize_q24); nils for `float32` (the kernels
    /// then read x as F32).
    private static func withActivations(
        _ x: UnsafePointer<Float>, cols: Int, sequences: Int, form: ActivationForm,
        _ body: (UnsafePointer<Int8>?, UnsafePointer<Float>?, UnsafePointer<Float>?) -> Void
    ) {
        precondition(sequences >= 1, "QuantizedMatrix: at least one activation row")
        let rows = Int(form.digits), blocks = cols / 32, n = rows * sequences
        guard rows > 0 else { body(nil, nil, nil); return }
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: n * cols) { qx in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * n * blocks) { scales in
                let q = qx.baseAddress!, d = scales.baseAddress!, s = d + n * blocks
                for t in 0..<sequences {
                    let at = t * rows
                    if form == .int8 {
                        pg_quantize_q8(x + t * cols, cols, q + at * cols, d + at * blocks, s + at * blocks)
                    } else {
                        pg_quantize_q24(x + t * cols, cols, q + at * cols, d + at * blocks, s + at * blocks)
                    }
                }
                body(q, d, s)
            }
        }
    }

    /// Whether `gemmInt8` has a kernel for this matrix on this CPU (AVX-512 VNNI, a supported block format).
    var hasGemmInt8: Bool { pg_gemm_q8_supported(Int32(type.rawValue), cols) != 0 }

    /// `y[m, band.count] = x[m, cols] · W[band]ᵀ` (`band` all rows by default) for a prefill of m rows with x
    /// quantised to int8 per 32 values (as in the `quantizedInt8` decode mode) and integer dot products on the blocks
    /// (AVX-512 VNNI), rows split across the decode threads. Only when `hasGemmInt8`.
    func gemmInt8(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, m: Int, band: Range<Int>? = nil,
        threads: Int = workers
    ) {
        let band = band ?? 0..<rows
        precondition(band.lowerBound >= 0 && band.upperBound <= rows, "QuantizedMatrix: band out of range")
        let rowBytes = cols / type.blockSize * type.bytesPerBlock
        pg_gemm_q8(Int32(type.rawValue), data + band.lowerBound * rowBytes, band.count, cols, x, m, y, Int32(threads))
        withExtendedLifetime(owner) {}
    }

    /// The int8 prefill GEMM in the `quantizedInt8` mode, where the CPU has it (AVX-512 VNNI);
    /// `POLYGRAPH_INT8_PREFILL=0` turns it off (sgemm on dequantised panels instead, as in the other modes).
    static let int8Prefill: Bool =
        ProcessInfo.processInfo.environment["POLYGRAPH_INT8_PREFILL"] != "0"
        && pg_gemm_q8_supported(Int32(GGMLType.q4_0.rawValue), 32) != 0

    /// Threads for decode products (`ComputeThreads`), the caller included.
    static var workers: Int { ComputeThreads.count }
}
