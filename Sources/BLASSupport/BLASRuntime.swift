import CBLAS
import Foundation

@_silgen_name("gotoblas_dynamic_init") private func gotoblasDynamicInit()
@_silgen_name("gotoblas_dynamic_quit") private func gotoblasDynamicQuit()

/// Makes sure OpenBLAS uses kernels that match the CPU.
///
/// Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) does not know recent Intel models (e.g. Xeon family 6 model 207) and
/// falls back to its `Prescott` SSE3 kernels: sgemm runs ~6× slower. When the user has not set
/// `OPENBLAS_CORETYPE` and the detected core is such a fallback, we pick `SkylakeX` (AVX-512) or `Haswell`
/// (AVX2 + FMA) from /proc/cpuinfo and re-run OpenBLAS's dynamic core selection, once, through OpenBLAS's exported
/// `gotoblas_dynamic_quit/init`.
///
/// Switching cores while another thread is inside BLAS corrupts OpenBLAS's buffers, so the switch must happen before
/// the process's first BLAS call: every module that calls BLAS calls `configure()` first (Inference when a model is
/// built, Probes in each LinearAlgebra wrapper). `configured` is a Swift global `let`, initialised exactly once under
/// a lock; later calls only read it.
public enum BLASRuntime {
    /// The OpenBLAS core in use after configuration.
    public static var coreName: String { configured }

    /// Runs the check once; cheap afterwards.
    @discardableResult
    public static func configure() -> String { configured }

    /// From now on each BLAS call runs on the calling thread alone: for callers that already run one BLAS call per
    /// core (a sweep's layers in parallel, the decode pool's prefill), where OpenBLAS's own threads would only
    /// oversubscribe the cores and spin between calls (a 28-layer sweep of the 1.5B: 2.27 → 1.66 s on 2 cores).
    /// It stays so: `setThreads` cannot raise the count again, and OpenBLAS's threaded sgemm rounds differently from
    /// its single-threaded one, so a process's results do not change midway.
    public static func singleThreadedCalls() {
        configure()
        threadLock.withLock {
            singleThreaded = true
            openblas_set_num_threads(1)
        }
    }

    /// OpenBLAS's thread count for the next call.
    public static var threads: Int {
        configure()
        return Int(openblas_get_num_threads())
    }

    /// OpenBLAS threads for later calls: `threads`, or 1 once `singleThreadedCalls` has run.
    public static func setThreads(_ threads: Int) {
        configure()
        threadLock.withLock { openblas_set_num_threads(singleThreaded ? 1 : Int32(max(1, threads))) }
    }

    private static let threadLock = NSLock()
    nonisolated(unsafe) private static var singleThreaded = false

    private static let modernCores: Set<String> = [
        "Haswell", "SkylakeX", "Zen", "CooperLake", "SapphireRapids",
        "Excavator", "Steamroller", "Piledriver", "Bulldozer",
        "Sandybridge",
    ]

    private static let configured: String = {
        let current = currentCore()
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, !modernCores.contains(current),
            let flags = cpuFlags()
        else { return current }
        let target: String
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]) {
            target = "SkylakeX"
        } else if flags.isSuperset(of: ["avx2", "fma"]) {
            target = "Haswell"
        } else {
            return current
        }
        gotoblasDynamicQuit()
        setenv("OPENBLAS_CORETYPE", target, 1)
        gotoblasDynamicInit()
        unsetenv("OPENBLAS_CORETYPE")
        return currentCore()
    }()

    private static func currentCore() -> String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The `flags` line of /proc/cpuinfo (nil off Linux).
    private static func cpuFlags() -> Set<String>? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return nil }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}
