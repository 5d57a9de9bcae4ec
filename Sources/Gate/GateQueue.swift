// One engine, many callers: a bounded FIFO in front of the engine, which runs up to `parallel` jobs at once.
import Foundation

/// A flag a running job polls to stop early (set when the waiting task is cancelled, e.g. a client disconnects).
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public var isCancelled: Bool { lock.withLock { cancelled } }

    public func cancel() { lock.withLock { cancelled = true } }
}

/// Runs blocking engine work off Swift's cooperative pool, in arrival order, at most `parallel` jobs at once (each on
/// a thread of its own; with `parallel` > 1 the engine must be thread-safe — `InferenceGateEngine` is, and its
/// concurrent generations share their decode steps), with at most `capacity` jobs waiting; one more is refused
/// with ``GateError/queueFull(capacity:)``.
///
/// ```swift
/// let queue = GateQueue(capacity: 16)
/// let slot = try queue.reserve()                     // throws queueFull when 16 are waiting
/// let answer = try await slot.run { flag in try gate.generate(...) }
/// ```
public final class GateQueue: Sendable {
    /// Most jobs allowed to wait (the running one not counted).
    public let capacity: Int
    /// Most jobs running at once (1: one at a time).
    public let parallel: Int
    /// Hands jobs out in arrival order, each once a running place is free.
    private let admission = DispatchQueue(label: "polygraph.gate.admission", qos: .userInitiated)
    private let places: DispatchSemaphore
    private let state = LockedCounts()

    public init(capacity: Int, parallel: Int = 1) {
        self.capacity = max(0, capacity)
        self.parallel = max(1, parallel)
        places = DispatchSemaphore(value: self.parallel)
    }

    /// Jobs reserved or waiting, not yet running.
    public var waiting: Int { state.read().waiting }
    /// Jobs running now (0 ... `parallel`).
    public var running: Int { state.read().running }
    /// Jobs whose caller was cancelled (e.g. a client that went away) while waiting or running, over the queue's life.
    public var cancellations: Int { state.read().cancelled }

    /// Takes a place in the queue now, so that a full queue is refused before any response is started.
    public func reserve() throws -> Slot {
        let ok = state.update { counts -> Bool in
            guard counts.waiting < capacity else { return false }
            counts.waiting += 1
            return true
        }
        guard ok else { throw GateError.queueFull(capacity: capacity) }
        return Slot(queue: self)
    }

    /// A reserved place in the queue; run one job with it. Dropping it unused gives the place back.
    public final class Slot: @unchecked Sendable {
        private let queue: GateQueue
        private let lock = NSLock()
        private var used = false

        fileprivate init(queue: GateQueue) {
            self.queue = queue
        }

        deinit {
            if !used { queue.state.update { $0.waiting -= 1 } }
        }

        /// Waits for a running place, then runs `work` on a thread of its own. Cancelling the calling task sets the flag `work`
        /// polls; a job cancelled before it starts does not run and throws `CancellationError`.
        public func run<T: Sendable>(_ work: @escaping @Sendable (CancellationFlag) throws -> T) async throws -> T {
            let first = lock.withLock { () -> Bool in
                defer { used = true }
                return !used
            }
            guard first else { throw GateError.engineFailure("a queue slot can run only one job") }
            let flag = CancellationFlag()
            let state = queue.state
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                    let queue = self.queue
                    queue.admission.async {
                        queue.places.wait()
                        // A thread per job, not a dispatch queue: libdispatch on Linux runs about as many blocking
                        // work items at once as there are cores, which capped the shared decode steps at 4 of 8.
                        let thread = Thread {
                            state.update {
                                $0.waiting -= 1; $0.running += 1
                            }
                            let result: Result<T, Error> =
                                flag.isCancelled ? .failure(CancellationError()) : Result { try work(flag) }
                            // Free the place before waking the caller, so that it never sees its own job still running.
                            state.update { $0.running -= 1 }
                            queue.places.signal()
                            continuation.resume(with: result)
                        }
                        thread.stackSize = 8 << 20  // the decode kernels keep their scratch on the stack
                        thread.start()
                    }
                }
            } onCancel: {
                flag.cancel()
                state.update { $0.cancelled += 1 }
            }
        }
    }
}

/// Queue counters behind a lock.
final class LockedCounts: @unchecked Sendable {
    struct Counts {
        var waiting = 0
        var running = 0
        var cancelled = 0
    }

    private let lock = NSLock()
    private var counts = Counts()

    func read() -> Counts { lock.withLock { counts } }

    @discardableResult
    func update<R>(_ body: (inout Counts) -> R) -> R { lock.withLock { body(&counts) } }
}
