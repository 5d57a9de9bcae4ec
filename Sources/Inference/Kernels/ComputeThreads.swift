import BLASSupport
import CBLAS
import Foundation

/// How many threads a forward pass computes with: the decode pool (the caller included) and OpenBLAS (prefill).
/// Default: `POLYGRAPH_THREADS`, else the older `POLYGRAPH_DECODE_THREADS`, else the active cores.
public enum ComputeThreads {
    /// The most threads the decode pool can run (its 63 workers and the caller).
    public static let maximum = 64
    private static let lock = NSLock()
    nonisolated(unsafe) private static var current: Int = {
        let env = ProcessInfo.processInfo.environment
        for key in ["POLYGRAPH_THREADS", "POLYGRAPH_DECODE_THREADS"] {
            if let s = env[key], let n = Int(s), n > 0 { return min(n, maximum) }
        }
        return max(1, min(ProcessInfo.processInfo.activeProcessorCount, maximum))
    }()

    /// The thread count in effect.
    public static var count: Int { lock.withLock { current } }

    /// Uses `threads` threads from now on (OpenBLAS included). Call it before the first model runs: the decode pool
    /// starts its workers on first use, so a later, larger count is capped at the pool's size.
    public static func set(_ threads: Int) throws {
        guard threads >= 1, threads <= maximum else {
            throw InferenceError.invalidHyperParameter(
                key: "threads", value: "\(threads)",
                reason: "must be between 1 and \(maximum)")
        }
        lock.withLock { current = threads }
        BLASRuntime.configure()
        openblas_set_num_threads(Int32(threads))
    }
}
