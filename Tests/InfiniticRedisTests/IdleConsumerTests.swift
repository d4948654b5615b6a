import Foundation
import InfiniticTransport
import Logging
import ServiceLifecycle
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

    /// A graceful shutdown ends consumers at once while messages trickle in (the consumers go round their loops
    /// and block in 10 s reads between messages). The narrow case of a stop landing just before a blocking read is
    /// sent is proven at the client level (`RedisClientTests.endingABlockingReadAtAnyMomentReturnsPromptly`).
    @Test func aGracefulShutdownEndsIdleConsumersPromptly() async throws {
        let transport = try await TestRedis.transport()
        var slowest = Duration.zero
        for round in 0..<12 {
            let topics = [Topic("plain-\(round)"), Topic("keyed-\(round)", keyed: true)]
            let service = IdleConsumers(transport: transport, topics: topics)
            let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
            let elapsed = try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                for index in 0..<(5 + round * 7 % 30) {
                    try await transport.publish(
                        topics.map {
                            OutgoingMessage(topic: $0, key: $0.isKeyed ? "k" : nil, payload: "\(index)".bytes)
                        })
                    try await Task.sleep(for: .milliseconds(3))
                }
                let start = ContinuousClock.now
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return start.duration(to: .now)
            }
            slowest = max(slowest, elapsed)
        }
        #expect(slowest < .seconds(3), "the slowest shutdown took \(slowest)")
    }
}

/// Consumers of some topics that never receive anything, as a service.
private struct IdleConsumers: Service {
    let transport: any Transport
    let topics: [Topic]

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for topic in topics {
                group.addTask { try await transport.consume(Subscription(topic: topic, group: "g")) { _ in .ack } }
            }
            try await group.waitForAll()
        }
    }
}
