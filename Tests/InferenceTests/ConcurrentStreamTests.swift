import Foundation
import Testing

@testable import Inference

/// `concurrentStream`: results delivered in order while later elements still run, bounded look-ahead, errors.
@Suite("Concurrent stream")
struct ConcurrentStreamTests {
    /// Counters the workers and the deliverer share.
    final class Log: @unchecked Sendable {
        let lock = NSLock()
        var started: [Int] = []
        var delivered = 0
        var widestGap = 0
        var runningAtFirstDelivery = -1
        var running = 0
    }

    @Test("every result is delivered once, in order, and no element starts more than lookahead ahead")
    func orderedAndBounded() throws {
        let log = Log()
        var order: [Int] = []
        try concurrentStream(Array(0..<60), width: 4, lookahead: 6) { i, value in
            log.lock.withLock {
                log.started.append(i)
                log.widestGap = max(log.widestGap, i - log.delivered)
                log.running += 1
            }
            // Element 0 ends only once element 1 runs, and 1 only after the first delivery, so that the first
            // result provably goes out while another element runs (on a loaded machine the other threads may start
            // late: a timing assumption here failed under CI load). Then uneven work: later elements often finish
            // first.
            let deadline = Date().addingTimeInterval(60)
            func wait(until condition: () -> Bool) {
                while !log.lock.withLock(condition) && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
            }
            if i == 0 { wait { log.started.contains(1) } }
            if i == 1 { wait { log.runningAtFirstDelivery >= 0 } }
            Thread.sleep(forTimeInterval: (2...3).contains(i) ? 0.05 : Double((i * 7) % 5) * 0.001)
            log.lock.withLock { log.running -= 1 }
            return value * 10
        } deliver: { i, result in
            #expect(result == i * 10)
            order.append(i)
            log.lock.withLock {
                if log.runningAtFirstDelivery < 0 { log.runningAtFirstDelivery = log.running }
                log.delivered = i + 1
            }
        }
        #expect(order == Array(0..<60))
        #expect(Set(log.started).count == 60)
        // (the deliverer records its index after the stream has moved on: one more than the bound)
        #expect(log.widestGap <= 6, "element started \(log.widestGap) places ahead of the last delivered")
        // The first result goes out while others are still running (the stream does not wait for the end).
        #expect(log.runningAtFirstDelivery > 0)
    }

    struct Failure: Error, Equatable { let at: Int }

    @Test("a failing element or deliverer stops new starts and is rethrown after the running ones end")
    func failures() {
        let log = Log()
        var delivered: [Int] = []
        #expect(throws: Failure(at: 9)) {
            try concurrentStream(Array(0..<100), width: 3, lookahead: 4) { i, _ in
                log.lock.withLock { log.started.append(i) }
                if i == 9 { throw Failure(at: 9) }
                return i
            } deliver: { i, _ in
                delivered.append(i)
            }
        }
        #expect(delivered == Array(0..<delivered.count) && delivered.count <= 9)
        #expect(log.started.max()! < 9 + 4 + 3)
        #expect(throws: Failure(at: 2)) {
            try concurrentStream(Array(0..<100), width: 3, lookahead: 4) { i, _ in
                i
            } deliver: { i, _ in
                if i == 2 { throw Failure(at: 2) }
            }
        }
    }
}
