/// Which token positions of a text are stored per example (DESIGN.md "Positions"); the activation file's
/// `position` attribute and the probe artifact's `position` field hold its raw value.
public enum CapturePosition: String, Codable, Sendable, CaseIterable {
    /// The last token of the text (default for statements).
    case last
    /// The mean over the text's tokens.
    case mean
    /// Every token: `/activations/*` are `[total_tokens, width]`, indexed by `/tokens/offsets`.
    case all
    /// The last generated token before end-of-turn (questions with generated answers).
    case answer
}
