/// How a question is put to a model without a chat template (a base model): `Question: …\nAnswer:`. Capture, the
/// gate's given answers and the answer grader share it; a base model often runs on into a next turn it invents, which
/// starts with `nextTurn`.
public enum PlainPrompt {
    /// The prompt text for `question`.
    public static func text(question: String) -> String { "Question: \(question)\nAnswer:" }

    /// Where an invented next turn starts in a generated answer.
    public static let nextTurn = "\nQuestion:"
}
