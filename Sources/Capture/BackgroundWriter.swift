import ActivationStore
import Foundation

/// Runs `ActivationWriter.append` on a serial background queue so that compression and disk writes of one
/// window overlap the forward passes of the next. At most one batch waits (memory stays at two windows);
/// a write error is rethrown by the next `submit` or by `finish`.
final class BackgroundWriter: @unchecked Sendable {
    private let writer: ActivationWriter
    private let queue = DispatchQueue(label: "polygraph.store.writer")
    private let slots = DispatchSemaphore(value: 1)
    private let lock = NSLock()
    private var failure: Error?

    init(_ writer: ActivationWriter) { self.writer = writer }

    private func takeFailure() -> Error? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    /// Queues `batch`; blocks while the previous one is still being written.
    func submit(_ batch: ActivationBatch) throws {
        slots.wait()
        if let error = takeFailure() { slots.signal(); throw error }
        queue.async { [self] in
            defer { slots.signal() }
            do { try writer.append(batch) } catch {
                lock.lock()
                if failure == nil { failure = error }
                lock.unlock()
            }
        }
    }

    /// Waits for queued writes; rethrows the first failure.
    func drain() throws {
        queue.sync {}
        if let error = takeFailure() { throw error }
    }
}
