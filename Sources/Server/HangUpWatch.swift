// Whether a request's work stops when its client closes its sending side (`serve --input-close`).
import Hummingbird

extension Request {
    /// Runs `work`; under `.cancel` it is cancelled as soon as the client closes its side of the connection (a
    /// hang-up or a half-close), under `.answer` it runs to its end.
    func watchingHangUp<Value: Sendable>(
        _ policy: InputClose, _ work: () async throws -> Value
    ) async throws -> Value {
        switch policy {
        case .cancel: return try await body.consumeWithCancellationOnInboundClose { _ in try await work() }
        case .answer: return try await work()
        }
    }
}
