import Foundation
import InfiniticTransport
import TestSupport
import Testing

@testable import InfiniticRedis

/// An idle consumer blocks on its stream instead of polling: it looks at the schedule when a newly scheduled
/// message becomes the soonest due (a wake marker in the stream wakes it) or at the next due time.
@Suite("Idle consumers")
struct IdleConsumerTests {
    @Test(arguments: [false, true])
    func aNewlyScheduledMessageWakesAnIdleConsumer(keyed: Bool) async throws {
        let transport = try await TestRedis.transport()
        let topic = Topic("wake-\(keyed)", keyed: keyed)
        let received = Recorder<String>()
        let elapsed = try await whileConsuming(transport, Subscription(topic: topic, group: "g")) { message in
            received.append(message.payload.text)
            return .ack
        } _: {
            // Let the consumer settle into its (10 s) blocking read, with nothing scheduled (next check in 30 s).
            try await Task.sleep(for: .milliseconds(500))
            let start = ContinuousClock.now
            try await transport.publish(
                OutgoingMessage(
                    topic: topic, key: keyed ? "k" : nil, payload: "later".bytes, delivery: .after(.milliseconds(300))))
            try await eventually("the scheduled message is delivered") { received.count == 1 }
            return start.duration(to: .now)
        }
        #expect(received.all == ["later"], "the wake marker never reaches the handler")
        #expect(elapsed < .seconds(5), "delivered after \(elapsed): the consumer was not woken")
        let stream = transport.keyspace.stream(topic, partition: 0)
        try await eventually("the marker is acknowledged and deleted") {
            try await transport.client.send(XLEN(stream)) == 0
        }
    }

    /// Commands are counted, not timed: a handful per consumer over a few seconds (each polled the schedule
    /// every 100 ms before, about 30 commands a second).
    @Test func idleConsumersSendFewCommands() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stopAndRemoveData() }
        let transport = try await TestRedis.transport(server: server)
        let topics = [Topic("a"), Topic("b", keyed: true), Topic("c", keyed: true, shared: true), Topic("d")]
        func processed() async throws -> Int {
            let info = try await transport.client.send(INFO("stats"))
            let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("total_commands_processed:") }
            return Int(line?.split(separator: ":").last ?? "") ?? 0
        }
        let counted = try await withThrowingTaskGroup(of: Void.self) { group in
            for topic in topics {
                group.addTask {
                    try await transport.consume(Subscription(topic: topic, group: "g")) { _ in .ack }
                }
            }
            try await Task.sleep(for: .seconds(1))
            let before = try await processed()
            try await Task.sleep(for: .seconds(4))
            let after = try await processed()
            group.cancelAll()
            try await group.waitForAll()
            return after - before - 1
        }
        #expect(counted <= 8 * topics.count, "\(counted) commands in 4 s for \(topics.count) idle consumers")
    }
}
