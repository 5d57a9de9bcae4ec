// One turn of a conversation, as the OpenAI chat API and Hugging Face chat templates shape it.

/// A message of a chat: `role` is `system`, `user` or `assistant`; `content` is plain text.
public struct ChatMessage: Sendable, Equatable, Codable {
    public var role: String
    public var content: String

    /// A message with the given role and text.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    /// A system message.
    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    /// A user message.
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    /// An assistant message.
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }
}
