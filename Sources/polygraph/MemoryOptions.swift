import ArgumentParser
import Foundation
import Probes

/// `--max-memory` for the commands that read activations (train, sweep, eval, generalize): rows that fit are read
/// into memory, larger ones are streamed from the file in row chunks (out-of-core training, `MemoryBudget`).
struct MemoryOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Memory for activations, e.g. 512M or 4G (default: $POLYGRAPH_MAX_MEMORY, else a quarter of RAM up to 8G). A hook whose rows need more is streamed from the file in chunks, one pass per optimiser step."
    )
    var maxMemory: String?

    func validate() throws {
        if let maxMemory, (try? MemoryBudget(parsing: maxMemory)) == nil {
            throw ValidationError("--max-memory takes a size such as 512M, 4G or 1073741824 (got '\(maxMemory)')")
        }
    }

    /// The budget: `--max-memory`, else `MemoryBudget.default`.
    func budget() throws -> MemoryBudget { try maxMemory.map(MemoryBudget.init(parsing:)) ?? .default }
}

/// A progress line for streamed passes: rows of the current pass, the rate over every pass so far (rows/s and
/// MB/s) and the pass's ETA. Only streamed rows report, so in-memory runs never show it.
final class StreamProgressLine: @unchecked Sendable {
    private let line: ProgressLine
    private let lock = NSLock()
    private var rows = 0, passes = 0, bytes = 0
    private let started = Date()

    private let enabled: Bool

    init(enabled: Bool) {
        self.enabled = enabled
        line = ProgressLine(label: "streaming", unit: "rows", enabled: enabled)
    }

    /// After a run that streamed: one line with the passes, rows and rate (`streamed 23 passes, 1.2e+07 rows in
    /// 61.0 s: 196721 rows/s, 1611 MB/s`); nothing when every row was in memory.
    func finish() {
        let (streamed, done, read) = lock.withLock { (rows, passes, bytes) }
        guard enabled, streamed > 0 else { return }
        let seconds = max(1e-6, Date().timeIntervalSince(started))
        FileHandle.standardError.write(
            Data(
                String(
                    format: "streamed %d passes, %d rows in %.1f s: %.0f rows/s, %.0f MB/s\n",
                    done, streamed, seconds, Double(streamed) / seconds,
                    Double(read) / seconds / 1e6
                ).utf8))
    }

    var report: ActivationRows.StreamProgress {
        { [self] chunk, done, total, dims in
            let (streamed, pass, read) = lock.withLock { () -> (Int, Int, Int) in
                rows += chunk
                bytes += chunk * dims * 4
                if done == total { passes += 1 }
                return (rows, passes + (done == total ? 0 : 1), bytes)
            }
            let seconds = max(1e-6, Date().timeIntervalSince(started))
            let mbs = Double(read) / seconds / 1e6
            line.update(
                done: done, total: total, alreadyDone: done - streamed,
                detail: String(format: "pass %d, %.0f MB/s", pass, mbs))
        }
    }
}
