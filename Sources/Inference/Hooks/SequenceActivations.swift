import Foundation
import Hooks

/// Which logits a forward pass should compute (the LM head is skipped entirely for `.none`).
public enum LogitsRequest: Sendable, Hashable {
    /// No logits: the pass stops after the deepest requested hook.
    case none
    /// Logits at the last position of each sequence: `[vocab]`.
    case last
    /// Logits at every position: `[T, vocab]`.
    case all
    /// Teacher forcing: the model's confidence in each token given the tokens before it (`tokenScores`), computed
    /// panel by panel so that no `[T, vocab]` array is ever held.
    case tokenScores
}

/// The result of a forward pass for one sequence: captured hooks and (optionally) logits.
public struct SequenceActivations: Sendable {
    /// Number of tokens of this sequence that went through the pass.
    public let tokenCount: Int
    /// Captured activations per hook, `[tokenCount, width]` row-major.
    public internal(set) var captured: [HookName: [Float]]
    /// Per-token width of each captured hook.
    public internal(set) var widths: [HookName: Int]
    /// Logits at the last position, `[vocab]` (when `.last` or `.all` was requested).
    public internal(set) var lastLogits: [Float]?
    /// Logits at every position, `[tokenCount, vocab]` (when `.all` was requested).
    public internal(set) var allLogits: [Float]?
    /// With `.tokenScores`: element t scores token t + 1 of the sequence given tokens 0...t, `[tokenCount - 1]`.
    public internal(set) var tokenScores: [TokenScore]?

    public init(
        tokenCount: Int, captured: [HookName: [Float]] = [:], widths: [HookName: Int] = [:],
        lastLogits: [Float]? = nil, allLogits: [Float]? = nil
    ) {
        self.tokenCount = tokenCount; self.captured = captured; self.widths = widths
        self.lastLogits = lastLogits; self.allLogits = allLogits
    }

    /// The captured activations of `hook`, `[tokenCount, width]` row-major, or nil if it was not requested.
    public func activations(_ hook: HookName) -> [Float]? { captured[hook] }

    /// The captured row of `hook` at `position` (0-based within this sequence), `[width]`.
    public func row(_ hook: HookName, at position: Int) -> ArraySlice<Float>? {
        guard let values = captured[hook], let w = widths[hook], position >= 0, position < tokenCount else {
            return nil
        }
        return values[(position * w)..<((position + 1) * w)]
    }

    /// The mean over positions of `hook`, `[width]`.
    public func mean(_ hook: HookName) -> [Float]? {
        guard let values = captured[hook], let w = widths[hook], tokenCount > 0 else { return nil }
        return Pooling.mean(values, width: w, rows: 0..<tokenCount)
    }

    /// The hooks that were captured, in firing order.
    public var capturedHooks: [HookName] { captured.keys.sorted() }
}

/// Copies the requested hooks' rows out of the batch buffers into each sequence's own arrays during a pass.
struct ActivationRecorder {
    let filter: HookFilter
    let config: ModelConfig
    /// (first row in the batch, row count) per sequence.
    let segments: [(start: Int, count: Int)]
    private(set) var results: [SequenceActivations]

    init(filter: HookFilter, config: ModelConfig, segments: [(start: Int, count: Int)]) {
        self.filter = filter; self.config = config; self.segments = segments
        results = segments.map { SequenceActivations(tokenCount: $0.count) }
    }

    /// Records `hook` from `batch` (`[totalTokens, width]`) if it was requested; costs nothing otherwise.
    mutating func record(_ hook: HookName, _ batch: UnsafePointer<Float>) {
        guard filter.contains(hook) else { return }
        let width = hook.width(in: config)
        for (s, seg) in segments.enumerated() {
            let rows = UnsafeBufferPointer(start: batch + seg.start * width, count: seg.count * width)
            results[s].captured[hook] = Array(rows)
            results[s].widths[hook] = width
        }
    }

    mutating func setTokenScores(sequence: Int, _ scores: [TokenScore]) { results[sequence].tokenScores = scores }

    mutating func setLogits(sequence: Int, last: [Float]?, all: [Float]?) {
        results[sequence].lastLogits = last
        results[sequence].allLogits = all
    }
}
