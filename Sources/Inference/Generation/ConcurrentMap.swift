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

/// `body(i, items[i])` for every element with up to `width` calls running at once (threads as `concurrentMap`),
/// each result handed to `deliver` on the calling thread in input order as soon as it and those before it are
/// done. No element starts more than `lookahead` places ahead of the next one to deliver, so memory stays bounded
/// when `deliver` is slow (a window written to disk), while the others keep running: answer capture streams its
/// windows this way and its decode batch never drains between them. After a failure (of `body` or `deliver`) no
/// new element starts; the first error is rethrown once the running calls have ended.
public func concurrentStream<T: Sendable, R: Sendable>(
    _ items: [T], width: Int, lookahead: Int,
    _ body: @escaping @Sendable (Int, T) throws -> R,
    deliver: (Int, R) throws -> Void
) throws {
    if items.isEmpty { return }
    let threads = max(1, min(width, items.count))
    if threads == 1 {
        for (i, item) in items.enumerated() { try deliver(i, try body(i, item)) }
        return
    }
    let ahead = max(lookahead, threads)
    let shared = StreamState<R>()
    for _ in 0..<threads {
        let thread = Thread {
            while true {
                shared.condition.lock()
                while shared.failure == nil && shared.next < items.count && shared.next >= shared.delivered + ahead {
                    shared.condition.wait()
                }
                guard shared.failure == nil, shared.next < items.count else {
                    shared.condition.unlock()
                    break
                }
                let index = shared.next
                shared.next += 1
                shared.condition.unlock()
                let result = Result { try body(index, items[index]) }
                shared.condition.withLock {
                    switch result {
                    case .success(let value): shared.results[index] = value
                    case .failure(let error): if shared.failure == nil { shared.failure = error }
                    }
                    shared.condition.broadcast()
                }
            }
            shared.done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    var failure: Error?
    for index in items.indices {
        shared.condition.lock()
        while shared.results[index] == nil && shared.failure == nil { shared.condition.wait() }
        guard let value = shared.results.removeValue(forKey: index) else {
            shared.condition.unlock()
            break
        }
        shared.delivered = index + 1
        shared.condition.broadcast()
        shared.condition.unlock()
        do { try deliver(index, value) } catch {
            failure = error
            shared.condition.withLock {
                if shared.failure == nil { shared.failure = error }
                shared.condition.broadcast()
            }
            break
        }
    }
    for _ in 0..<threads { shared.done.wait() }
    if let failure = failure ?? shared.failure { throw failure }
}

/// What the threads of one `concurrentStream` share, behind `condition`.
private final class StreamState<R>: @unchecked Sendable {
    let condition = NSCondition()
    var next = 0
    var delivered = 0
    var results: [Int: R] = [:]
    var failure: Error?
    let done = DispatchSemaphore(value: 0)
}
