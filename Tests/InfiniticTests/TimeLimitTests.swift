import Foundation
import Synchronization
import Testing

@testable import Infinitic

/// `TimeLimit` and the `DeadlineWatch` behind it: a value in time, a time-out on time even for code that
/// ignores cancellation, cancellation of code that heeds it, and deadlines that fire in order or not at all.
@Suite struct TimeLimitTests {
    @Test func aBodyInTimeGivesItsValue() async throws {
        try await OverrunPool.withPool { pool in
            let limit = TimeLimit(duration: .seconds(30), pool: pool)
            for index in 0..<50 {
                guard case .finished(let value) = try await limit.run({ index * 2 }) else {
                    Issue.record("timed out")
                    return
                }
                #expect(value == index * 2)
            }
        }
    }

    // The pool may start a job late on a loaded machine (after its deadline it does not start the code at all):
    // these tests say what happens to code that started, and wait for it to start when they need it to.

    @Test func aBodyThatIgnoresCancellationTimesOutOnTime() async throws {
        let (started, ended) = (Flag(), Flag())
        try await OverrunPool.withPool { pool in
            let limit = TimeLimit(duration: .milliseconds(100), pool: pool)
            let start = ContinuousClock.now
            let outcome = try await limit.run { () -> Int in
                started.set()
                // Waits far past the limit without heeding cancellation (awaiting an unstructured task's value is
                // not cancelled with the awaiting task), and without holding a thread that other tests need.
                await Task.detached { try? await Task.sleep(for: .seconds(3)) }.value
                ended.set()
                return 1
            }
            let waited = start.duration(to: .now)
            guard case .timedOut = outcome else {
                Issue.record("expected a time-out, got \(outcome)")
                return
            }
            #expect(waited < .milliseconds(2_500), "the handler went on at the limit, not when the body ended")
            #expect(!ended.isSet)
        }
        // The pool waited for the body that started, whose result was discarded.
        #expect(ended.isSet == started.isSet)
    }

    /// Code that says it started, then sleeps until it is cancelled and says so.
    static func sleepUntilCancelled(_ started: Flag, _ sawCancellation: Flag) async -> Bool {
        started.set()
        do {
            try await Task.sleep(for: .seconds(30))
        } catch {
            sawCancellation.set()
        }
        return true
    }

    @Test func aBodyThatHeedsCancellationIsCancelledAtTheLimit() async throws {
        let (started, sawCancellation) = (Flag(), Flag())
        try await OverrunPool.withPool { pool in
            let limit = TimeLimit(duration: .milliseconds(300), pool: pool)
            let outcome = try await limit.run { await Self.sleepUntilCancelled(started, sawCancellation) }
            guard case .timedOut = outcome else {
                Issue.record("expected a time-out")
                return
            }
        }
        #expect(sawCancellation.isSet == started.isSet)
    }

    @Test func aCancelledHandlerCancelsTheBody() async throws {
        let (started, sawCancellation) = (Flag(), Flag())
        try await OverrunPool.withPool { pool in
            let limit = TimeLimit(duration: .seconds(30), pool: pool)
            let handler = Task {
                try await limit.run { await Self.sleepUntilCancelled(started, sawCancellation) }
            }
            let deadline = ContinuousClock.now + .seconds(20)
            while !started.isSet, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(started.isSet)
            handler.cancel()
            await #expect(throws: CancellationError.self) { try await handler.value }
        }
        #expect(sawCancellation.isSet)
    }

    @Test func withoutCancellingTheCodeRunsToItsEndAfterTheLimit() async throws {
        let (started, sawCancellation) = (Flag(), Flag())
        let ended = Flag()
        try await OverrunPool.withPool { pool in
            let limit = TimeLimit(duration: .milliseconds(100), pool: pool)
            let outcome = try await limit.run(cancelling: false) { () -> Bool in
                started.set()
                do {
                    try await Task.sleep(for: .milliseconds(400))
                } catch {
                    sawCancellation.set()
                }
                ended.set()
                return true
            }
            guard case .timedOut = outcome else {
                Issue.record("expected a time-out")
                return
            }
            #expect(!ended.isSet, "the handler went on at the limit")
        }
        #expect(ended.isSet == started.isSet, "the pool waited for the code that started")
        #expect(!sawCancellation.isSet, "it was not cancelled")
    }

    @Test func codeThatWaitedInThePoolPastItsDeadlineDoesNotStart() async throws {
        let pool = OverrunPool()  // not running yet: the job waits in it
        let ran = Flag()
        let limit = TimeLimit(duration: .milliseconds(20), pool: pool)
        let outcome = try await limit.run { () -> Int in
            ran.set()
            return 1
        }
        guard case .timedOut = outcome else {
            Issue.record("expected a time-out")
            return
        }
        pool.finish()
        await pool.run()  // runs the job now, past its deadline
        #expect(!ran.isSet)
    }

    @Test func deadlinesFireInOrderAndRemovedOnesNever() async throws {
        let watch = DeadlineWatch()
        let fired = Names()
        let done = Settlement<Void>()
        func add(_ name: String, after duration: Duration) -> DeadlineWatch.Entry {
            watch.add(after: duration) {
                let count = fired.append(name)
                if count == 3 { done.settle(()) }
            }
        }
        let removed = add("removed", after: .milliseconds(60))
        _ = add("third", after: .milliseconds(150))
        _ = add("first", after: .milliseconds(40))
        _ = add("second", after: .milliseconds(80))
        let alsoRemoved = add("also removed", after: .milliseconds(150))
        watch.remove(removed)
        watch.remove(alsoRemoved)
        watch.remove(alsoRemoved)  // twice: nothing happens
        #expect(watch.count == 3)
        _ = await done.wait()
        try await Task.sleep(for: .milliseconds(100))
        #expect(fired.names == ["first", "second", "third"])
        #expect(watch.count == 0)
    }
}

final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

private final class Names: Sendable {
    private let value = Mutex<[String]>([])
    var names: [String] { value.withLock { $0 } }

    /// Appends `name`; returns how many there are.
    func append(_ name: String) -> Int {
        value.withLock {
            $0.append(name)
            return $0.count
        }
    }
}
