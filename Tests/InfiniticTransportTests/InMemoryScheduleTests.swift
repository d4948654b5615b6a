import Foundation
import Testing

@testable import InfiniticTransport

/// Scheduled delivery: never early, on a manual clock and on the real one, and stored once per id.
@Suite(.timeLimit(.minutes(1))) struct InMemoryScheduleTests {
    @Test func aDelayedMessageIsDeliveredWhenTheManualClockReachesItsDueTime() async throws {
        let clock = ManualTransportClock()
        let transport = InMemoryTransport(clock: clock)
        let topic = Topic("timers")
        let start = clock.now()
        let due = start.addingTimeInterval(10)
        let handled = Locked([(payload: Int, at: Date, publishedAt: Date?)]())
        try await transport.publish(OutgoingMessage(topic: topic, payload: bytes(1), delivery: .after(.seconds(10))))
        try await transport.publish(
            OutgoingMessage(topic: topic, payload: bytes(2), delivery: .at(due.addingTimeInterval(5))))
        try await withConsumers(transport, consumers(1, of: topic)) { message in
            handled.withLock { $0.append((number(message), clock.now(), message.publishedAt)) }
            return .ack
        } _: {
            // The scheduler looked at the schedule and sleeps until the first due time.
            try await eventually("the scheduler sleeps until the due time") { clock.sleepingDeadlines.contains(due) }
            clock.advance(by: .milliseconds(9_999))
            #expect(transport.snapshot(of: topic).scheduled == 2)
            #expect(transport.snapshot(of: topic).stored == 0)
            #expect(handled.value.isEmpty)

            clock.advance(by: .milliseconds(1))
            try await eventually("the first message") { handled.value.count >= 1 }
            #expect(transport.snapshot(of: topic).scheduled == 1)

            clock.advance(by: .milliseconds(4_999))
            try await eventually("the scheduler sleeps again") {
                clock.sleepingDeadlines.contains(due.addingTimeInterval(5))
            }
            #expect(handled.value.count == 1)
            clock.advance(by: .milliseconds(1))
            try await eventually("the second message") { handled.value.count >= 2 }
        }
        let result = handled.value
        #expect(result.map(\.payload) == [1, 2])
        #expect(result[0].at >= due)
        #expect(result[1].at >= due.addingTimeInterval(5))
        // Stamped with the clock's time of publication, not of delivery.
        #expect(result.allSatisfy { $0.publishedAt == start })
    }

    @Test func aMessageScheduledEarlierThanTheSleepingSchedulerWakesIt() async throws {
        let clock = ManualTransportClock()
        let transport = InMemoryTransport(clock: clock)
        let topic = Topic("earlier")
        let handled = Locked([Int]())
        try await transport.publish(OutgoingMessage(topic: topic, payload: bytes(1), delivery: .after(.seconds(60))))
        try await withConsumers(transport, consumers(1, of: topic)) { message in
            handled.withLock { $0.append(number(message)) }
            return .ack
        } _: {
            let late = clock.now().addingTimeInterval(60)
            try await eventually("the scheduler sleeps") { clock.sleepingDeadlines.contains(late) }
            try await transport.publish(OutgoingMessage(topic: topic, payload: bytes(2), delivery: .after(.seconds(1))))
            let soon = clock.now().addingTimeInterval(1)
            try await eventually("the scheduler sleeps until the new due time") {
                clock.sleepingDeadlines.contains(soon)
            }
            clock.advance(by: .seconds(1))
            try await eventually("the earlier message") { handled.value == [2] }
            // An instant already past is delivered at once.
            try await transport.publish(
                OutgoingMessage(topic: topic, payload: bytes(3), delivery: .at(clock.now().addingTimeInterval(-1))))
            try await eventually("the past instant") { handled.value == [2, 3] }
        }
    }

    @Test func aScheduledMessageIsNeverDeliveredEarlyOnTheRealClock() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("real-timers")
        let delay = 0.15
        let handled = Locked([Int: Date]())
        let publishedAt = Date()
        try await transport.publish([
            OutgoingMessage(topic: topic, payload: bytes(1), delivery: .after(.milliseconds(150))),
            OutgoingMessage(topic: topic, payload: bytes(2), delivery: .at(publishedAt.addingTimeInterval(delay))),
            OutgoingMessage(topic: topic, payload: bytes(3)),
        ])
        try await withConsumers(transport, consumers(2, of: topic)) { message in
            handled.withLock { $0[number(message)] = Date() }
            return .ack
        } _: {
            try await eventually("the three messages") { handled.value.count >= 3 }
        }
        let at = handled.value
        #expect(at[1]! >= publishedAt.addingTimeInterval(delay))
        #expect(at[2]! >= publishedAt.addingTimeInterval(delay))
        #expect(at[3] != nil)
    }

    @Test func aScheduledMessagePublishedTwiceWithTheSameIdIsStoredOnce() async throws {
        let clock = ManualTransportClock()
        let transport = InMemoryTransport(clock: clock)
        let topic = Topic("dedup")
        let timer = OutgoingMessage(topic: topic, payload: bytes(7), delivery: .after(.seconds(5)), id: "timer-1")
        try await transport.publish(timer)
        try await transport.publish([
            timer, OutgoingMessage(topic: topic, payload: bytes(8), delivery: .after(.seconds(5))),
        ])
        #expect(transport.snapshot(of: topic).scheduled == 2)
        let handled = Locked([Int]())
        try await withConsumers(transport, consumers(1, of: topic)) { message in
            handled.withLock { $0.append(number(message)) }
            return .ack
        } _: {
            clock.advance(by: .seconds(5))
            try await eventually("both due messages") { handled.value.count >= 2 }
            try await eventually("everything acknowledged") { transport.snapshot(of: topic).isIdle }
        }
        #expect(handled.value.sorted() == [7, 8])
    }
}
