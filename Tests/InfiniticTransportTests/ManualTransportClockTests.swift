import Foundation
import Testing

@testable import InfiniticTransport

@Suite(.timeLimit(.minutes(1))) struct ManualTransportClockTests {
    @Test func sleepersWakeOnlyWhenTheirDeadlineIsReached() async throws {
        let clock = ManualTransportClock(now: Date(timeIntervalSince1970: 0))
        let woken = Locked([Int]())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for seconds in [1, 2, 3] {
                group.addTask {
                    try await clock.sleep(until: Date(timeIntervalSince1970: TimeInterval(seconds)))
                    woken.withLock { $0.append(seconds) }
                }
            }
            try await eventually("three sleepers") { clock.sleepingDeadlines.count == 3 }
            clock.advance(by: .milliseconds(1_500))
            try await eventually("the first sleeper") { woken.value == [1] }
            #expect(clock.sleepingDeadlines.count == 2)
            clock.advance(to: Date(timeIntervalSince1970: 10))
            try await group.waitForAll()
        }
        #expect(woken.value.sorted() == [1, 2, 3])
        #expect(clock.now() == Date(timeIntervalSince1970: 10))
        // Time never goes back, and a past deadline does not wait.
        clock.advance(to: Date(timeIntervalSince1970: 5))
        #expect(clock.now() == Date(timeIntervalSince1970: 10))
        try await clock.sleep(until: Date(timeIntervalSince1970: 9))
    }

    @Test func aCancelledSleeperThrows() async throws {
        let clock = ManualTransportClock()
        let sleeper = Task { try await clock.sleep(until: clock.now().addingTimeInterval(60)) }
        try await eventually("the sleeper") { clock.sleepingDeadlines.count == 1 }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleepingDeadlines.isEmpty)
    }

    @Test func theSystemClockSleepsUntilTheDeadline() async throws {
        let clock = SystemTransportClock()
        let deadline = clock.now().addingTimeInterval(0.05)
        try await clock.sleep(until: deadline)
        #expect(clock.now() >= deadline)
    }
}
