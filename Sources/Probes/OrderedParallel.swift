import BLASSupport
import Foundation

/// Independent jobs (cross-validating one probe candidate each) on up to `workers` threads at once, results kept in
/// submission order. With more than one worker, BLAS calls run on the calling thread alone: one call per core, no
/// OpenBLAS threads oversubscribing the cores. After a failure no new job starts; `results()` rethrows the first.
final class OrderedParallel<R: Sendable>: @unchecked Sendable {
    private let lock = NSLock(), reporting = NSLock()
    private var slots: [R?] = []
    private var firstError: Error?
    private var done = 0
    private let inFlight: DispatchSemaphore
    private let group = DispatchGroup()

    init(workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        inFlight = DispatchSemaphore(value: max(1, workers))
        if workers > 1 { BLASRuntime.singleThreadedCalls() }
    }

    /// Whether a job has failed (callers stop submitting).
    var failed: Bool { lock.withLock { firstError != nil } }

    /// Queues `job` as the next result, waiting while `workers` jobs run; `finished(result, done)` runs on the job's
    /// thread with the number of jobs done so far, one call at a time with `done` increasing.
    func submit(_ job: @escaping @Sendable () throws -> R, finished: @escaping @Sendable (R, Int) -> Void) {
        let slot = lock.withLock {
            slots.append(nil)
            return slots.count - 1
        }
        inFlight.wait()
        if failed {
            inFlight.signal()
            return
        }
        // A thread of its own per job: a global queue's few threads may all be blocked elsewhere in the process,
        // which would run the jobs one at a time.
        group.enter()
        let thread = Thread { [self] in
            defer {
                inFlight.signal()
                group.leave()
            }
            do {
                let result = try job()
                reporting.withLock {  // one report at a time, so the counts arrive in order
                    let count = lock.withLock {
                        slots[slot] = result
                        done += 1
                        return done
                    }
                    finished(result, count)
                }
            } catch {
                lock.withLock { if firstError == nil { firstError = error } }
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Waits for every job; the results in submission order, or the first error.
    func results() throws -> [R] {
        group.wait()
        return try lock.withLock {
            if let firstError { throw firstError }
            return slots.map { $0! }
        }
    }
}
