import BLASSupport
import Foundation

/// How many threads a forward pass computes with: the decode pool (the caller included), for decode and prefill.
/// Default: `POLYGRAPH_THREADS`, else the older `POLYGRAPH_DECODE_THREADS`, else the active cores.
///
/// OpenBLAS threads: `count` for BLAS work of its own (probe training), but a process that has built a model runs
/// OpenBLAS single-threaded from then on (`poolRunsBLAS`): prefill calls sgemm from every pool thread on chunks of
/// its own, and OpenBLAS's threads would only compete with them for the cores.
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
        BLASRuntime.setThreads(threads)
    }

    /// From now on OpenBLAS runs one thread per call (the decode pool splits prefill's products itself); called when
    /// a model is built.
    static func poolRunsBLAS() { BLASRuntime.singleThreadedCalls() }
}
