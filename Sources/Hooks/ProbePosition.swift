/// Where a probe reads its activation (DESIGN.md "Positions"): a probe artifact's `position` field, the gate's
/// choice of pooling, and (for the answer positions) the names of an answer capture's `/positions/{name}` groups.
///
/// The raw values are the strings files hold; `Codable` reads and writes exactly them, and an unknown string is a
/// decoding error naming it and the accepted ones.
public enum ProbePosition: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    /// The last token of the text (statements).
    case last
    /// The mean over the text's tokens.
    case mean
    /// Every token of the text.
    case all
    /// The last generated token before end-of-turn.
    case answer
    /// The prompt's last token, before anything is generated (an answer capture's `/positions/question`).
    case question
    /// The mean over the answer's tokens (`/positions/answer_mean`).
    case answerMean = "answer_mean"
    /// The element-wise max over the answer's tokens (`/positions/answer_max`).
    case answerMax = "answer_max"
    /// The last token of the exact answer inside the generated text, else the last (`/positions/answer_exact`).
    case answerExact = "answer_exact"

    /// The extra positions an answer capture stores under `/positions/{rawValue}` beside `answer` (`/activations`),
    /// in the order they are written.
    public static let answerExtras: [ProbePosition] = [.question, .answerMean, .answerMax, .answerExact]

    /// The string files and options hold (`answer_mean`, not the case name).
    public var description: String { rawValue }

    /// The accepted values, for error messages.
    public static let acceptedValues: String = allCases.map(\.rawValue).joined(separator: ", ")

    /// The position a capture stores under `/activations`.
    public init(_ capture: CapturePosition) {
        switch capture {
        case .last: self = .last
        case .mean: self = .mean
        case .all: self = .all
        case .answer: self = .answer
        }
    }

    /// Reads a position; throws `HookError.unknownPosition` naming the accepted values otherwise.
    public init(parsing text: String) throws {
        guard let position = ProbePosition(rawValue: text) else {
            throw HookError.unknownPosition(value: text, accepted: ProbePosition.acceptedValues)
        }
        self = position
    }

    /// The capture whose file holds this position: `last`, `mean` and `all` are their own; `answer` and the extra
    /// answer positions come from an answer capture.
    public var capturePosition: CapturePosition {
        switch self {
        case .last: .last
        case .mean: .mean
        case .all: .all
        case .answer, .question, .answerMean, .answerMax, .answerExact: .answer
        }
    }

    /// True for the positions an answer capture stores under `/positions` (not `/activations`).
    public var isAnswerExtra: Bool { ProbePosition.answerExtras.contains(self) }

    /// This position when an answer capture stores it under `/positions` (`isAnswerExtra`), else nil: what a reader
    /// is asked for when nil means the file's own rows (`/activations`).
    public var storedExtra: ProbePosition? { isAnswerExtra ? self : nil }
}

extension ProbePosition: HookText {
    public init(from decoder: Decoder) throws { self = try Self.decodeText(from: decoder) }
    public func encode(to encoder: Encoder) throws { try encodeText(to: encoder) }
}
