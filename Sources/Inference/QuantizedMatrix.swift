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

    /// `y[rows] = W · x[cols]`, rows split across the cores when there are enough of them. With `int8`, x is
    /// first quantised per block of 32 to int8 (llama.cpp's Q8_0 activations) and blocks are integer dot products.
    func matvec(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, int8: Bool = false) {
        let blocks = cols / 32
        withUnsafeTemporaryAllocation(of: Int8.self, capacity: int8 ? cols : 1) { qx in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: int8 ? 2 * blocks : 1) { scales in
                if int8 { pg_quantize_q8(x, cols, qx.baseAddress!, scales.baseAddress!, scales.baseAddress! + blocks) }
                let args = Arguments(x: x, y: y, qx: qx.baseAddress!, dx: scales.baseAddress!,
                                     sx: scales.baseAddress! + (int8 ? blocks : 0), int8: int8)
                let workers = rows >= 1024 ? QuantizedMatrix.workers : 1
                if workers == 1 { run(args, 0, rows); return }
                let chunk = (rows + workers - 1) / workers
                DispatchQueue.concurrentPerform(iterations: workers) { i in
                    let begin = i * chunk, end = min(rows, begin + chunk)
                    if begin < end { run(args, begin, end) }
                }
            }
        }
    }

    private func run(_ a: Arguments, _ begin: Int, _ end: Int) {
        switch (type, a.int8) {
        case (.q4_1, false): pg_matvec_q4_1(data, cols, begin, end, a.x, a.y)
        case (.q4_0, false): pg_matvec_q4_0(data, cols, begin, end, a.x, a.y)
        case (.q8_0, false): pg_matvec_q8_0(data, cols, begin, end, a.x, a.y)
        case (.q4_1, true): pg_matvec_q4_1_q8(data, cols, begin, end, a.qx, a.dx, a.sx, a.y)
        case (.q4_0, true): pg_matvec_q4_0_q8(data, cols, begin, end, a.qx, a.dx, a.sx, a.y)
        case (.q8_0, true): pg_matvec_q8_0_q8(data, cols, begin, end, a.qx, a.dx, a.sx, a.y)
        default: preconditionFailure("QuantizedMatrix: no kernel for \(type)")
        }
    }

    /// Pointers handed to the worker threads.
    private struct Arguments: @unchecked Sendable {
        let x: UnsafePointer<Float>
        let y: UnsafeMutablePointer<Float>
        let qx: UnsafeMutablePointer<Int8>
        let dx: UnsafeMutablePointer<Float>
        let sx: UnsafeMutablePointer<Float>
        let int8: Bool
    }

    /// Threads for large decode matrices (`POLYGRAPH_DECODE_THREADS`, default: active cores).
    static let workers: Int = {
        if let s = ProcessInfo.processInfo.environment["POLYGRAPH_DECODE_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()
}
