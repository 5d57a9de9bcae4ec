import CKernels
import Foundation
import GGUF

/// A weight matrix left in its GGUF quantised blocks (inside the file's memory mapping), for single-token decode:
/// reading 4.5–8.5 bits per weight instead of 32 makes decode far less memory-bound. Activations stay F32, so
/// results equal the dequantised-F32 product up to summation order.
public struct QuantizedMatrix: @unchecked Sendable {
    /// Block formats with a decode kernel.
    public static let supportedTypes: Set<GGMLType> = [.q4_0, .q4_1, .q8_0]

    public let type: GGMLType
    public let rows: Int
    public let cols: Int
    let data: UnsafeRawPointer
    /// Keeps the memory mapping alive.
    let owner: AnyObject

    /// Wraps `tensor` of `file` when its type has a kernel and its rows are whole blocks; nil otherwise.
    public init?(file: GGUFFile, tensor: GGUFTensorInfo) {
        guard QuantizedMatrix.supportedTypes.contains(tensor.type), tensor.dimensions.count == 2,
              tensor.dimensions[0] % 32 == 0, tensor.dimensions[0] <= 131_072,
              let base = file.bytes(of: tensor).baseAddress else { return nil }
        type = tensor.type; cols = tensor.dimensions[0]; rows = tensor.dimensions[1]
        data = base; owner = file
    }

    /// Wraps raw blocks kept alive by `owner` (tests build them by hand).
    init(type: GGMLType, rows: Int, cols: Int, data: UnsafeRawPointer, owner: AnyObject) {
        self.type = type; self.rows = rows; self.cols = cols; self.data = data; self.owner = owner
    }

    /// `y[rows] = W · x[cols]`, rows split across the decode threads. With `int8`, x is first quantised per block
    /// of 32 to int8 (llama.cpp's Q8_0 activations) and blocks are integer dot products.
    func matvec(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, int8: Bool = false,
                threads: Int = QuantizedMatrix.workers) {
        QuantizedMatrix.matvec([(self, y)], x, int8: int8, threads: threads)
    }

    /// `y_i[rows_i] = W_i · x[cols]` for matrices that share their input (q/k/v, gate/up) in one fork/join of the
    /// decode pool (`pg_matvec_batch`): the rows of all of them are split across the threads together.
    static func matvec(_ products: [(matrix: QuantizedMatrix, y: UnsafeMutablePointer<Float>)],
                       _ x: UnsafePointer<Float>, int8: Bool = false, threads: Int = QuantizedMatrix.workers) {
        guard let cols = products.first?.matrix.cols else { return }
        let jobs = products.map { p in
            precondition(p.matrix.cols == cols, "QuantizedMatrix: a batch must share its input width")
            precondition(QuantizedMatrix.supportedTypes.contains(p.matrix.type), "QuantizedMatrix: no kernel for \(p.matrix.type)")
            return pg_matvec_job(type: Int32(p.matrix.type.rawValue), w: p.matrix.data, rows: p.matrix.rows, y: p.y)
        }
        let blocks = cols / 32
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: int8 ? cols : 1) { qx in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: int8 ? 2 * blocks : 1) { scales in
                let q = qx.baseAddress!, d = scales.baseAddress!
                if int8 { pg_quantize_q8(x, cols, q, d, d + blocks) }
                jobs.withUnsafeBufferPointer { j in
                    pg_matvec_batch(j.baseAddress!, Int32(j.count), cols, x, int8 ? UnsafePointer(q) : nil,
                                    int8 ? UnsafePointer(d) : nil, int8 ? UnsafePointer(d + blocks) : nil, Int32(threads))
                }
                // Keep the matrices (and so their memory mappings) alive until the products are done.
                withExtendedLifetime(products) {}
            }
        }
    }

    /// Threads for decode products (`POLYGRAPH_DECODE_THREADS`, default: active cores), the caller included.
    static let workers: Int = {
        if let s = ProcessInfo.processInfo.environment["POLYGRAPH_DECODE_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()
}
