import Foundation

/// `body(i, items[i])` for every element with up to `width` calls running at once, each on a thread of its own
/// (8 MiB stacks: the decode kernels keep their scratch on the stack). Results come back in input order.
/// Generations started this way on one `LanguageModel` share their decode steps (`DecodeBatcher`): this is how
/// answer capture and `ask` decode several questions together. After a failure no new element starts; the first
/// error is rethrown once the running calls have ended.
public func concurrentMap<T: Sendable, R: Sendable>(
    _ items: [T], width: Int,
    _ body: @escaping @Sendable (Int, T) throws -> R
) throws -> [R] {
    if items.isEmpty { return [] }
    let threads = max(1, min(width, items.count))
    if threads == 1 { return try items.enumerated().map { try body($0.offset, $0.element) } }
    let shared = ConcurrentMapState<R>(count: items.count)
    for _ in 0..<threads {
        let thread = Thread {
            while true {
                let index: Int? = shared.lock.withLock {
                    guard shared.failure == nil, shared.next < items.count else { return nil }
                    defer { shared.next += 1 }
                    return shared.next
                }
                guard let index else { break }
                do {
                    let result = try body(index, items[index])
                    shared.lock.withLock { shared.results[index] = result }
                } catch {
                    shared.lock.withLock { if shared.failure == nil { shared.failure = error } }
                }
            }
            shared.done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    for _ in 0..<threads { shared.done.wait() }
    if let failure = shared.failure { throw failure }
    return shared.results.map { $0! }
}

/// What the threads of one `concurrentMap` share, behind `lock`.
private final class ConcurrentMapState<R>: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var results: [R?]
    var failure: Error?
    let done = DispatchSemaphore(value: 0)
    init(count: Int) { results = Array(repeating: nil, count: count) }
}
