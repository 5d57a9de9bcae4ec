import Foundation

/// A single updating progress line on stderr: "label  12/60  3.1/s  ETA 15s  detail".
public final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let start = Date()
    private let enabled: Bool
    private var last = Date.distantPast
    private let lock = NSLock()

    /// `enabled: false` keeps it silent (tests, `--quiet`).
    public init(label: String, total: Int, enabled: Bool = true) {
        self.label = label; self.total = total; self.enabled = enabled
    }

    /// Reports `done` units finished; redraws at most ten times a second.
    public func update(_ done: Int, detail: String = "") {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard done >= total || now.timeIntervalSince(last) > 0.1 else { return }
        last = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "\r%@  %d/%d  %.1f/s  ETA %.0fs  %@\u{1B}[K", label, done, total, rate, eta, detail)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the line with the total time.
    public func finish() {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start)
        FileHandle.standardError.write(Data(String(format: "\r%@  %d/%d done in %.2fs\u{1B}[K\n", label, total, total, elapsed).utf8))
    }
}
