import Foundation
import Testing

@testable import Infinitic

/// `Settlement`: waiters get the value, or time out (watched by `DeadlineWatch`, no task per wait), or are
/// cancelled; a value set later reaches the waiters still there.
@Suite struct SettlementTests {
    @Test func aWaiterGetsTheValueSetBeforeItsTimeout() async {
        let settlement = Settlement<Int>()
        async let waited = settlement.wait(timeout: .seconds(30))
        try? await Task.sleep(for: .milliseconds(20))
        settlement.settle(7)
        let (value, timedOut) = await waited
        #expect(value == 7 && !timedOut)
        #expect(await settlement.wait(timeout: .seconds(30)) == (7, false), "already set: at once")
    }

    @Test func aWaiterTimesOutAndTheOthersStillGetTheValue() async {
        let settlement = Settlement<String>()
        let start = ContinuousClock.now
        async let patient = settlement.wait()
        let (value, timedOut) = await settlement.wait(timeout: .milliseconds(50))
        #expect(value == nil && timedOut)
        #expect(start.duration(to: .now) < .seconds(5))
        settlement.settle("late")
        #expect(await patient == "late")
    }

    @Test func aCancelledWaiterWakesWithoutTimingOut() async {
        let settlement = Settlement<Int>()
        let waiter = Task { await settlement.wait(timeout: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        let (value, timedOut) = await waiter.value
        #expect(value == nil && !timedOut)
    }

    @Test func theClientWaitThrowsTypedErrors() async throws {
        let settlement = Settlement<Int>()
        await #expect(throws: InfiniticError.self) {
            try await settlement.value(timeout: .milliseconds(20), waitingFor: "a test")
        }
        let cancelled = Task { try await settlement.value(timeout: .seconds(30), waitingFor: "a test") }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        settlement.settle(3)
        #expect(try await settlement.value(timeout: .milliseconds(1), waitingFor: "a test") == 3)
    }
}
