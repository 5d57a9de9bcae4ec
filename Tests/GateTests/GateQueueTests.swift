import GateTestSupport
import Foundation
import Testing
@testable import Gate

@Suite struct GateQueueTests {
    @Test("a full queue refuses a reservation, and a dropped slot gives its place back")
    func capacity() throws {
        let queue = GateQueue(capacity: 2)
        let a = try queue.reserve()
        var b: GateQueue.Slot? = try queue.reserve()
        #expect(queue.waiting == 2)
        #expect(throws: GateError.queueFull(capacity: 2)) { try queue.reserve() }
        #expect(b != nil)
        b = nil
        #expect(queue.waiting == 1)
        _ = a
    }

    @Test("jobs run one at a time on the engine thread, each from start to end")
    func serial() async throws {
        let queue = GateQueue(capacity: 8)
        let log = Log()
        // Job 0 blocks until the test lets it go: while it runs, no other job may have started and not ended.
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<4 {
                let slot = try queue.reserve()
                group.addTask {
                    try await slot.run { _ in
                        log.append("start \(i)")
                        if i == 0 {
                            started.signal()
                            release.wait()
                        }
                        log.append("end \(i)")
                    }
                }
            }
            let held = await withCheckedContinuation { continuation in
                // Generous: under the full parallel suite on 2 cores the job can wait long for a thread.
                Thread { continuation.resume(returning: started.wait(timeout: .now() + 300) == .success) }.start()
            }
            #expect(held, "job 0 never ran")
            let during = log.entries
            #expect(during.last == "start 0", "another job ran beside job 0: \(during)")
            #expect(queue.running == 1)
            release.signal()
            try await group.waitForAll()
        }
        let entries = log.entries
        #expect(entries.count == 8)
        for k in stride(from: 0, to: entries.count, by: 2) {
            #expect(entries[k].hasPrefix("start") && entries[k + 1].hasPrefix("end"))
            #expect(entries[k].dropFirst(6) == entries[k + 1].dropFirst(4))
        }
        #expect(queue.waiting == 0 && queue.running == 0)
    }

    @Test("a queue of parallel 8 runs 8 blocking jobs at once, on any number of cores")
    func parallelJobsRunTogether() async throws {
        // Each job blocks until all eight have started, as batched generations wait for each other's steps: a
        // queue that runs fewer at once times out (a dispatch queue on Linux ran about as many as there are cores, and
        // added one more thread about every second: all eight after ~6 s).
        let queue = GateQueue(capacity: 8, parallel: 8)
        let arrived = LockedCounter(), allIn = DispatchSemaphore(value: 0)
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                let slot = try queue.reserve()
                group.addTask {
                    try await slot.run { _ in
                        if arrived.increment() == 8 { for _ in 0..<8 { allIn.signal() } }
                        return allIn.wait(timeout: .now() + 2.5) == .success
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(
            results == Array(repeating: true, count: 8),
            "\(results.filter { !$0 }.count) of 8 jobs waited over 2.5 s for the others to start")
        #expect(queue.waiting == 0 && queue.running == 0)
    }

    @Test("cancelling the waiting task stops generation at the next token")
    func cancellation() async throws {
        let pacer = StepPacer(pauseAt: 3)
        let engine = FakeEngine(script: Array(repeating: 5, count: 200), contextLength: 512, pacer: pacer)
        let service = GateService(gate: try Gate(engine: engine, probes: [FakeProbe()]))
        let request = try service.prepare(.text("hi"), options: GenerationOptions(maxTokens: 200))
        let slot = try service.queue.reserve()
        let task = Task { try await service.answer(request, slot: slot) }
        let held = await withCheckedContinuation { continuation in
            // Generous: under the full parallel suite on 2 cores the task can wait long for a cooperative thread.
            Thread { continuation.resume(returning: pacer.waitUntilPaused(timeout: 300)) }.start()
        }
        #expect(held, "the engine never reached token 3")
        task.cancel()  // sets the job's flag synchronously
        pacer.release()
        await #expect(throws: (any Error).self) { try await task.value }
        // The prompt's pass and tokens 0...3; token 3's step is the first to see the flag.
        #expect(engine.steps == 5, "generation ran \(engine.steps) steps")
        #expect(service.queue.running == 0)
    }

    @Test("the service applies the request's policy over its default")
    func policyOverride() async throws {
        let service = GateService(
            gate: try Gate(engine: FakeEngine(script: [5, 7]), probes: [FakeProbe()]),
            policy: GatePolicy(action: .annotate))
        let request = try service.prepare(.text("q"), options: GenerationOptions(maxTokens: 8))
        let plain = try await service.answer(request, slot: try service.queue.reserve())
        #expect(plain.kind == .passed)
        let abstained = try await service.answer(
            request, slot: try service.queue.reserve(),
            policy: GatePolicy(action: .abstain, abstainMessage: "pass"))
        #expect(abstained.text == "pass")
        await #expect(throws: GateError.self) {
            try await service.answer(request, slot: try service.queue.reserve(), policy: GatePolicy(action: .escalate))
        }
    }
}

final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private var _entries: [String] = []
    var entries: [String] { lock.withLock { _entries } }
    func append(_ s: String) { lock.withLock { _entries.append(s) } }
}

final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    /// The count after adding one.
    func increment() -> Int {
        lock.withLock {
            count += 1; return count
        }
    }
}
