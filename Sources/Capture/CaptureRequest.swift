import ActivationStore
import Foundation
import Hooks

/// Everything `polygraph capture` was asked to do, in domain terms (the CLI parses flags into this).
public struct CaptureRequest: Sendable {
    /// `.csv` statement files and/or `.jsonl` question files; each one's stem becomes `/examples/source`.
    public var datasets: [String]
    public var outPath: String
    /// Canonical hook names, in storage order.
    public var hooks: [HookName]
    public var position: CapturePosition
    /// Sequences per forward pass.
    public var batchSize: Int = 128
    /// Most tokens in one forward pass (bounds the memory of a batch's captured activations).
    public var maxBatchTokens: Int = 4096
    /// Most bytes of hidden states one statement pass returns (its tokens × the hooks' widths) and, at position
    /// `all`, one window of rows holds; a window is held about twice while the next is computed. Bounds a capture's
    /// memory whatever the hooks, the model's width and the texts' lengths.
    public var windowBytes: Int = 256 << 20
    /// At most this many examples from each dataset.
    public var limit: Int?
    /// Continue the file's committed rows instead of refusing an existing output.
    public var resume: Bool = false
    /// Replace an existing output.
    public var overwrite: Bool = false
    public var compression: StoreCompression = .default
    /// Store the model's own confidence in each statement's tokens (teacher forcing; needs the full depth and the
    /// LM head, so `--no-confidence` skips it when only early layers are captured). Answers always carry theirs.
    public var confidence: Bool = true
    /// Longest generated answer for question datasets.
    public var maxAnswerTokens: Int = 64
    /// Rows per activation chunk (nil: chosen from the hook widths); commits and resume points are multiples of it.
    public var chunkRows: Int?
    /// Capture only shard K of N of the rows (`--shard K/N`; see `StoreShard` for the assignment).
    public var shard: ShardSpec?
    /// Stored as `created_by`.
    public var createdBy: String = StoreHeader.defaultCreator

    public init(datasets: [String], outPath: String, hooks: [HookName], position: CapturePosition) {
        self.datasets = datasets
        self.outPath = outPath
        self.hooks = hooks
        self.position = position
    }
}

/// The end-of-run report (`--json` prints it as JSON).
public struct CaptureSummary: Codable, Sendable {
    public var path: String
    /// Examples captured by this run.
    public var examples: Int
    /// Examples that were already committed in the file (resume).
    public var resumedFrom: Int
    /// Examples in the file now.
    public var totalExamples: Int
    /// Tokens that went through the model in this run (prompts and generated tokens).
    public var tokens: Int
    public var seconds: Double
    public var tokensPerSecond: Double
    public var fileBytes: Int
    public var hooks: Int
    public var position: CapturePosition
    public var sources: [String]
    /// Question datasets: answers graded correct (label 1) in this run.
    public var correct: Int?
    /// Question datasets: refusals and "I don't know" (label -1, `grade` = "refused") in this run.
    public var refused: Int? = nil
    /// `--shard K/N` runs: which rows of the whole capture this file holds.
    public var shard: String? = nil
    /// Sampled answers (`capture --temperature`): how they were drawn, as the file's `answer_sampling`.
    public var answerSampling: String? = nil
    /// Statements longer than the model's context (or questions whose prompt fills it) in this run: stored
    /// unlabeled (-1) with NaN activations and the reason in `/examples/meta/skipped`, so that the capture and its
    /// `--resume` go on past them.
    public var skipped: Int = 0

    /// One line for the terminal.
    public var text: String {
        var line = String(
            format:
                "captured %d examples (%d tokens) in %.1f s, %.0f tok/s -> %@ (%.1f MB, %d examples, %d %@, position %@)",
            examples, tokens, seconds, tokensPerSecond, path, Double(fileBytes) / 1e6, totalExamples, hooks,
            hooks == 1 ? "hook" : "hooks", position.rawValue)
        if let shard { line += "; \(shard)" }
        if resumedFrom > 0 { line += "; resumed after \(resumedFrom) committed examples" }
        if skipped > 0 {
            let noun = correct == nil ? "statement" : "question"
            line +=
                "; \(skipped) \(noun)\(skipped == 1 ? "" : "s") longer than the model's context skipped "
                + "(stored unlabeled, reason in /examples/meta/skipped)"
        }
        let answered = examples - skipped
        if let correct, answered > 0 {
            line += String(
                format: "; %d/%d answers correct (%.1f%%)", correct, answered, 100 * Double(correct) / Double(answered))
            if let refused {
                line += String(format: ", %d refused (%.1f%%)", refused, 100 * Double(refused) / Double(answered))
            }
        }
        return line
    }
}

/// Where a running capture stands, for a progress display.
public struct CaptureProgress: Sendable, Equatable {
    /// Examples in the file so far (resumed ones included).
    public var done: Int
    /// Examples the file will hold.
    public var total: Int
    /// Tokens through the model in this run.
    public var tokens: Int
    /// Examples that were already committed when this run started.
    public var resumed: Int
    /// The last report of a run that completed.
    public var finished: Bool

    public init(done: Int, total: Int, tokens: Int, resumed: Int, finished: Bool = false) {
        self.done = done
        self.total = total
        self.tokens = tokens
        self.resumed = resumed
        self.finished = finished
    }
}
