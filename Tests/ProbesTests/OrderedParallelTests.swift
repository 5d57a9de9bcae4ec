import Foundation
import Testing

@testable import Probes

/// `OrderedParallel`: jobs of uneven length come back in submission order, several run at once, and a failure
/// stops new jobs and is rethrown.
@Suite("Ordered parallel jobs")
struct OrderedParallelTests {
    final class Peak: @unchecked Sendable {
        let lock = NSLock()
        var running = 0, widest = 0
        var reported: [Int] = []
    }

    @Test("results keep submission order while up to `workers` jobs run together; progress counts in order")
    func ordered() throws {
        let work = OrderedParallel<Int>(workers: 3), peak = Peak()
        let secondStarted = DispatchSemaphore(value: 0)
        for i in 0..<30 {
            work.submit {
                peak.lock.withLock {
                    peak.running += 1
                    peak.widest = max(peak.widest, peak.running)
                }
                // The first job holds on until the second has started: they overlap however busy the machine is.
                if i == 1 { secondStarted.signal() }
                if i == 0 { _ = secondStarted.wait(timeout: .now() + 30) }
                Thread.sleep(forTimeInterval: Double((i * 7) % 4) * 0.002)  // later jobs often finish first
                peak.lock.withLock { peak.running -= 1 }
                return i * i
            } finished: { _, done in
                peak.lock.withLock { peak.reported.append(done) }
            }
        }
        #expect(try work.results() == (0..<30).map { $0 * $0 })
        #expect(peak.widest > 1 && peak.widest <= 3)
        #expect(peak.reported == Array(1...30))  // progress counts arrive in order
    }

    struct Failure: Error, Equatable { let at: Int }

    @Test("a failing job stops new ones and its error is rethrown")
    func failure() {
        let work = OrderedParallel<Int>(workers: 2)
        var submitted = 0
        for i in 0..<100 where !work.failed {
            submitted += 1
            work.submit {
                if i == 5 { throw Failure(at: 5) }
                Thread.sleep(forTimeInterval: 0.002)
                return i
            } finished: { _, _ in
            }
        }
        #expect(throws: Failure(at: 5)) { try work.results() }
        #expect(submitted < 100)
    }
}
