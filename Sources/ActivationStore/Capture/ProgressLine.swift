import Foundation

/// A single progress line on stderr, redrawn in place at most every `interval` seconds:
/// `capture: 1200/5000 examples (24%)  812 tok/s  ETA 0:42`.
public final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let unit: String
    private let interval: TimeInterval
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var drewSomething = false
    private let enabled: Bool

    /// `enabled: false` keeps it silent (e.g. `--quiet`, or stderr is not wanted).
    public init(label: String, unit: String = "examples", interval: TimeInterval = 0.5, enabled: Bool = true) {
        self.label = label
        self.unit = unit
        self.interval = interval
        self.enabled = enabled
    }

    /// Seconds since the line was created.
    public var elapsed: TimeInterval { Date().timeIntervalSince(started) }

    /// Redraws if `interval` has passed (or `force`). `tokens` adds a tok/s figure; the ETA is from the
    /// rate of `done` since start (`alreadyDone` items, e.g. resumed rows, are not counted in the rate).
    public func update(done: Int, total: Int, tokens: Int? = nil, alreadyDone: Int = 0, force: Bool = false) {
        guard enabled else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        let seconds = max(1e-6, now.timeIntervalSince(started))
        let rate = Double(done - alreadyDone) / seconds
        var line = "\(label): \(done)/\(total) \(unit)"
        if total > 0 { line += String(format: " (%.0f%%)", 100 * Double(done) / Double(total)) }
        if let tokens { line += String(format: "  %.0f tok/s", Double(tokens) / seconds) }
        else { line += String(format: "  %.0f %@/s", rate, unit) }
        if rate > 0 && total > done { line += "  ETA " + Self.clock(Double(total - done) / rate) }
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
        drewSomething = true
    }

    /// Ends the line (newline) if anything was drawn.
    public func finish() {
        guard enabled, drewSomething else { return }
        FileHandle.standardError.write(Data("\n".utf8))
        drewSomething = false
    }

    /// `m:ss` or `h:mm:ss`.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}
