import Foundation
import TestSupport
import Testing

@testable import InfiniticRedis

/// The thread the consumers renew from (`RenewalThread`): each job at its period, until cancelled or stopped.
@Suite("Renewal thread")
struct RenewalThreadTests {
    @Test func callsEachJobEveryPeriodUntilCancelled() async throws {
        let thread = RenewalThread(name: "test-renewals")
        defer { thread.stop() }
        let fast = Locked(0)
        let slow = Locked(0)
        let fastJob = try #require(thread.schedule(every: .milliseconds(20)) { fast.withLock { $0 += 1 } })
        _ = try #require(thread.schedule(every: .seconds(30)) { slow.withLock { $0 += 1 } })
        try await eventually("the 20 ms job ran several times") { fast.value >= 5 }
        #expect(slow.value == 0, "a job runs one period after it was scheduled, not at once")
        thread.cancel(fastJob)
        let atCancel = fast.value
        try await Task.sleep(for: .milliseconds(200))
        #expect(fast.value <= atCancel + 1, "a cancelled job is not called again (one call may have been under way)")
    }

    @Test func aJobBroughtForwardRunsSoonThenKeepsItsPeriod() async throws {
        let thread = RenewalThread(name: "test-renewals")
        defer { thread.stop() }
        let calls = Locked(0)
        let job = try #require(thread.schedule(every: .seconds(30)) { calls.withLock { $0 += 1 } })
        thread.bringForward(job, to: .now + .milliseconds(20))
        try await eventually("called once, long before its period") { calls.value == 1 }
        thread.bringForward(job, to: .now + .seconds(60))  // later than its next call: no change
        try await Task.sleep(for: .milliseconds(200))
        #expect(calls.value == 1, "after the early call, the next one is a period away")
    }

    @Test func aStoppedThreadTakesNoJob() {
        let thread = RenewalThread(name: "test-renewals")
        _ = thread.schedule(every: .milliseconds(10)) {}
        thread.stop()
        #expect(thread.schedule(every: .milliseconds(10)) {} == nil)
    }
}
