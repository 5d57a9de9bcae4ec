import CKernels
import Foundation

/// Prompt-sized products (`y[m, rows] = x[m, cols] · Wᵀ`, m > 1 or the F32 reference decode) on the decode pool's
/// threads: W's rows are cut into chunks that the threads claim one at a time (a thread that is descheduled claims
/// none, so a busy machine slows the product down instead of stalling it), and each chunk is one single-threaded
/// product — our float32 tile (`pg_sgemm_rows`, AVX-512 or AVX2; OpenBLAS sgemv for one row, and sgemm with
/// `POLYGRAPH_NO_TILE=1`) — on F32 rows in place, or on a panel the claiming thread dequantises into its own scratch
/// (`pg_thread_floats`), so memory stays one panel per thread. OpenBLAS's own threads are not used in a process that
/// runs a model (`ComputeThreads.poolRunsBLAS`): its static split and spinning threads fought the pool's.
enum PooledProduct {
    /// Rows per chunk: a multiple of 16, at most `targetFloats / cols` (a panel's size), and small enough that every
    /// thread gets about two chunks.
    static func chunkRows(rows: Int, cols: Int, threads: Int, targetFloats: Int) -> Int {
        let panel = max(16, (targetFloats / max(cols, 1)) / 16 * 16)
        let share = (rows + 2 * threads - 1) / (2 * threads)
        let rounded = max(16, (share + 15) / 16 * 16)
        return min(rows, min(panel, rounded))
    }

    /// Whether products of several rows run our own tile (`pg_sgemm_rows`, gemm_f32.c: AVX-512, else AVX2) instead of
    /// sgemm: always, unless `POLYGRAPH_NO_TILE=1` (for comparisons). On AVX2 it prefilled a 256-token SmolLM2 prompt
    /// 5–10% faster than OpenBLAS's Zen sgemm, 20-token prompts faster still (less packing), and its rows do not
    /// depend on the batch, so prompts can share a pass.
    static let tiled = pg_sgemm_rows_supported() != 0

    /// Rows per chunk for the tiled kernel: one 32-row AVX-512 tile (two 16-row AVX2 tiles). Small chunks keep both
    /// threads busy to the end of each product (SmolLM2's 192-row k/v products are 6 chunks, not 3), also when one
    /// thread is descheduled.
    static let tiledChunkRows = 32

    /// `y[m, rows] = x[m, cols] · Wᵀ`, where `rowsOf(range, scratch)` gives W's rows `range` as `range.count × cols`
    /// floats (in place, or written into `scratch`, a buffer of that many floats owned by the calling thread).
    /// Several rows (m > 1) take the tiled kernel (unless `tiled` is false), which needs its own packing scratch;
    /// otherwise sgemv / single-threaded sgemm per chunk.
    static func linear(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, m: Int, rows: Int, cols: Int,
        targetFloats: Int, threads: Int = QuantizedMatrix.workers, tiled: Bool = PooledProduct.tiled,
        rowsOf: (Range<Int>, UnsafeMutablePointer<Float>?) -> UnsafePointer<Float>, needsScratch: Bool
    ) {
        let useTile = tiled && m > 1
        let per =
            useTile
            ? min(rows, tiledChunkRows)
            : chunkRows(rows: rows, cols: cols, threads: threads, targetFloats: targetFloats)
        let chunks = (rows + per - 1) / per
        // Scratch layout per thread: the dequantised panel (when needed), then the 32 × cols packed tile (64-byte
        // aligned: the panel part is rounded up to 16 floats).
        let panelFloats = needsScratch ? (per * cols + 15) / 16 * 16 : 0
        let scratchFloats = panelFloats + (useTile ? 32 * cols : 0)
        parallelFor(chunks, threads: threads) { c in
            let start = c * per, n = min(per, rows - start)
            var scratch: UnsafeMutablePointer<Float>? = nil
            if scratchFloats > 0 {
                guard let s = pg_thread_floats(scratchFloats) else {
                    fatalError("out of memory for a \(n) × \(cols) weight panel")
                }
                scratch = s
            }
            let w = rowsOf(start..<(start + n), needsScratch ? scratch : nil)
            if useTile {
                pg_sgemm_rows(x, m, cols, w, n, y + start, rows, scratch! + panelFloats)
            } else {
                Kernels.linear(x, w, y + start, m: m, n: n, k: cols, ldy: rows)
            }
        }
    }

    /// `body(c)` for every c in `0..<chunks` on the pool's threads (the caller included); returns when all are done.
    static func parallelFor(_ chunks: Int, threads: Int, _ body: (Int) -> Void) {
        if chunks <= 0 { return }
        if chunks == 1 || threads <= 1 {
            for c in 0..<chunks { body(c) }
            return
        }
        withoutActuallyEscaping(body) { f in
            var task = Task(body: f)
            withUnsafeMutablePointer(to: &task) { p in
                pg_parallel_for(
                    { context, chunk in context!.assumingMemoryBound(to: Task.self).pointee.body(Int(chunk)) },
                    p, chunks, Int32(threads))
            }
        }
    }

    private struct Task { let body: (Int) -> Void }
}
