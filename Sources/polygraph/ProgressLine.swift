import Foundation
import Probes

/// Progress of a long job on stderr: `capture: 1200/5000 examples (24%)  812 tok/s  ETA 0:42  detail`.
/// On a terminal the line is redrawn in place at most every `interval` seconds; when stderr is a file or a pipe
/// (CI logs, `2> log`) it prints a plain new line at most every `pipeInterval` seconds instead, with no control codes.
/// Safe to update from several threads.
final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let unit: String
    private let total: Int
    private let interval: TimeInterval
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var latest: (done: Int, total: Int)?
    private let enabled: Bool
    private let terminal: Bool
    private let lock = NSLock()

    /// `total` is the default for `update` (0: unknown). `enabled: false` keeps it silent (`--quiet`, tests).
    init(
        label: String, total: Int = 0, unit: String = "examples", interval: TimeInterval = 0.5,
        pipeInterval: TimeInterval = 10, enabled: Bool = true
    ) {
        self.label = label
        self.total = total
        self.unit = unit
        self.enabled = enabled
        terminal = isatty(STDERR_FILENO) == 1
        self.interval = terminal ? interval : pipeInterval
    }

    /// Seconds since the line was created.
    var elapsed: TimeInterval { Date().timeIntervalSince(started) }

    /// Redraws if `interval` has passed (or `force`). `tokens` adds a tok/s figure; the ETA is from the rate of
    /// `done` since start (`alreadyDone` items, e.g. resumed rows, are not counted in the rate).
    func update(
        done: Int, total: Int? = nil, tokens: Int? = nil, alreadyDone: Int = 0, detail: String = "",
        force: Bool = false
    ) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let total = total ?? self.total
        latest = (done, total)
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        let seconds = max(1e-6, now.timeIntervalSince(started))
        let rate = Double(done - alreadyDone) / seconds
        var line = "\(label): \(done)/\(total) \(unit)"
        if total > 0 { line += String(format: " (%.0f%%)", 100 * Double(done) / Double(total)) }
        if let tokens {
            line += String(format: "  %.0f tok/s", Double(tokens) / seconds)
        } else {
            line += String(format: rate >= 10 ? "  %.0f %@/s" : "  %.1f %@/s", rate, unit)
        }
        if rate > 0 && total > done { line += "  ETA " + Self.clock(Double(total - done) / rate) }
        if !detail.isEmpty { line += "  " + detail }
        write(terminal ? "\r" + line + "\u{1B}[K" : line + "\n")
    }

    /// Ends the line with the elapsed time.
    func finish() {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        var line = "\(label): "
        if let latest { line += "\(latest.done)/\(latest.total) \(unit), " }
        line += String(format: "done in %.2f s", elapsed)
        write(terminal ? "\r" + line + "\u{1B}[K\n" : line + "\n")
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    /// `m:ss` or `h:mm:ss`.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}

extension ProgressLine {
    /// This line as a Probes progress callback (steps done, steps in all, detail).
    var report: ProgressReport {
        { [self] done, total, detail in update(done: done, total: total, detail: detail) }
    }
}
