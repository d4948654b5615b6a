import Foundation
import InfiniticTransport
import Logging
import TestSupport
import Testing

@testable import InfiniticRedis

/// Entries no producer of ours writes (an operator's `XADD`, a buggy client in another language, an old
/// version): each is dead-lettered with a precise reason, once, and never stops the consumer nor affects the
/// entries read with it.
@Suite("Hostile stream entries", .serialized)
struct HostileEntryTests {
    /// Appends a raw entry, as `XADD` from redis-cli would.
    static func xadd(_ transport: RedisStreamsTransport, _ topic: Topic, _ fields: [(String, String)]) async throws {
        let stream = transport.keyspace.stream(topic, partition: 0)
        _ = try await transport.client.send(
            XADD(stream, fields: fields.map { RedisStreamEntry.Field($0.0, $0.1) }))
    }

    /// Makes every entry of `topic` pending for a consumer that will never come back.
    static func readByAGhost(_ transport: RedisStreamsTransport, _ topic: Topic, group: String) async throws {
        let stream = transport.keyspace.stream(topic, partition: 0)
        _ = try? await transport.client.send(XGROUP.CREATE(stream, group: group, after: "0", makeStream: true))
        _ = try await transport.client.send(
            XREADGROUP(group: group, consumer: "ghost", stream: stream, count: 1000, block: nil))
    }

    static func consumeUntil(
        _ transport: RedisStreamsTransport, _ subscription: Subscription, expected: Int,
        handled: Recorder<ReceivedMessage>, deadLetters: Int
    ) async throws {
        try await whileConsuming(transport, subscription) { message in
            handled.append(message)
            return .ack
        } _: {
            try await eventually("\(expected) handled, \(deadLetters) dead-lettered", timeout: .seconds(15)) {
                let letters = try await transport.deadLetters(of: subscription.topic, limit: 100)
                return handled.count >= expected && letters.count >= deadLetters
            }
        }
    }

    @Test(arguments: [false, true])
    func aNonNumericAttemptsFieldIsDeadLetteredAndTheConsumerGoesOn(_ keyed: Bool) async throws {
        let transport = try await TestRedis.transport()
        defer { transport.close() }
        let topic = Topic("attempts", keyed: keyed)
        // One such entry on its first delivery, one already pending for a dead consumer (the reclaim path).
        try await Self.xadd(transport, topic, [("k", "a"), ("p", "bad"), ("a", "oops")])
        try await Self.readByAGhost(transport, topic, group: "g")
        try await Self.xadd(transport, topic, [("k", "b"), ("p", "bad too"), ("a", "x1")])
        try await transport.publish((0..<5).map { OutgoingMessage(topic: topic, key: "a", payload: "ok \($0)".bytes) })
        let handled = Recorder<ReceivedMessage>()
        try await Self.consumeUntil(
            transport,
            Subscription(topic: topic, group: "g", visibilityTimeout: .milliseconds(200), maxDeliveries: 3),
            expected: 5, handled: handled, deadLetters: 2)
        #expect(Set(handled.all.map(\.payload.text)) == Set((0..<5).map { "ok \($0)" }))
        let letters = try await transport.deadLetters(of: topic, limit: 10)
        #expect(Set(letters.map(\.payload.text)) == ["bad", "bad too"])
        for letter in letters { #expect(letter.reason.contains("field 'a'"), "\(letter.reason)") }
        try await expectNothingPending(transport, topic, group: "g")
    }

    @Test(arguments: [false, true])
    func anEntryWithoutPayloadDoesNotPoisonItsBatchNorHoldItsKey(_ keyed: Bool) async throws {
        let transport = try await TestRedis.transport()
        defer { transport.close() }
        let topic = Topic("payloadless", keyed: keyed)
        try await transport.publish(OutgoingMessage(topic: topic, key: "a", payload: "first".bytes))
        try await Self.xadd(transport, topic, [("k", "a"), ("t", "1")])
        try await transport.publish((0..<5).map { OutgoingMessage(topic: topic, key: "a", payload: "ok \($0)".bytes) })
        let handled = Recorder<ReceivedMessage>()
        try await Self.consumeUntil(
            transport, Subscription(topic: topic, group: "g", visibilityTimeout: .seconds(5)), expected: 6,
            handled: handled, deadLetters: 1)
        // In order on a keyed topic; handled concurrently otherwise.
        let texts = handled.all.map(\.payload.text)
        #expect((keyed ? texts : texts.sorted()) == ["first"] + (0..<5).map { "ok \($0)" })
        #expect(handled.all.allSatisfy { $0.deliveryCount == 1 }, "handled on their first delivery")
        let letter = try #require(try await transport.deadLetters(of: topic, limit: 10).first)
        #expect(letter.reason.contains("no payload"), "\(letter.reason)")
        #expect(letter.key == "a")
        try await expectNothingPending(transport, topic, group: "g")
    }

    @Test(arguments: [false, true])
    func malformedEntriesOfEveryKindAreDeadLetteredWithTheirReason(_ keyed: Bool) async throws {
        let server = try await TestRedis.server()
        var configuration = try RedisStreamsConfiguration(url: server.url, namespace: TestRedis.uniqueNamespace())
        configuration.maxMessageBytes = 1024
        let transport = try await RedisStreamsTransport.connect(configuration: configuration)
        defer { transport.close() }
        let topic = Topic("malformed", keyed: keyed)
        let big = String(repeating: "x", count: 2000)
        let cases: [([(String, String)], String)] = [
            ([("k", "a"), ("p", "1"), ("t", "yesterday")], "field 't'"),
            ([("k", "a"), ("p", "2"), ("zz", "1")], "unknown field 'zz'"),
            ([("k", "a"), ("p", big)], "payload of 2000 bytes"),
            ([("k", String(repeating: "k", count: 5000)), ("p", "4")], "key of 5000 bytes"),
            ([("k", "a"), ("p", "5"), ("a", "99999999999999999999")], "field 'a'"),
            ([("p", "6"), ("p", "6")], "twice"),
            ([("w", "1"), ("p", "7")], "unknown field 'w'"),
        ]
        for (fields, _) in cases { try await Self.xadd(transport, topic, fields) }
        try await transport.publish((0..<3).map { OutgoingMessage(topic: topic, key: "a", payload: "ok \($0)".bytes) })
        let handled = Recorder<ReceivedMessage>()
        try await Self.consumeUntil(
            transport, Subscription(topic: topic, group: "g"), expected: 3, handled: handled,
            deadLetters: cases.count)
        let texts = handled.all.map(\.payload.text)
        #expect((keyed ? texts : texts.sorted()) == (0..<3).map { "ok \($0)" })
        let letters = try await transport.deadLetters(of: topic, limit: 100)
        #expect(letters.count == cases.count)
        for (letter, (_, reason)) in zip(letters.sorted { $0.originalID < $1.originalID }, cases) {
            #expect(letter.reason.contains(reason), "\(letter.reason) should say \(reason)")
            #expect(letter.payload.count <= 1024, "an oversized value is not copied to the dead letters")
        }
        try await expectNothingPending(transport, topic, group: "g")
    }

    @Test func scheduledDataThatDoesNotUnpackIsDeadLetteredAndTheScheduleGoesOn() async throws {
        let transport = try await TestRedis.transport()
        defer { transport.close() }
        let topic = Topic("schedule")
        let set = transport.keyspace.scheduled(topic, partition: 0)
        let data = transport.keyspace.scheduledData(topic, partition: 0)
        // An operator's HSET/ZADD: data that is not a packed field list, due now.
        for (id, value) in [("garbage", "not msgpack \u{1}"), ("number", "\u{cc}\u{7}")] {
            try await transport.client.send(PermissionProbe("hset", ["HSET", data, id, value]))
            try await transport.client.send(PermissionProbe("zadd", ["ZADD", set, "0", id]))
        }
        try await transport.publish(
            OutgoingMessage(topic: topic, payload: "later".bytes, delivery: .after(.milliseconds(100))))
        let handled = Recorder<ReceivedMessage>()
        try await Self.consumeUntil(
            transport, Subscription(topic: topic, group: "g", schedulerInterval: .milliseconds(20)), expected: 1,
            handled: handled, deadLetters: 2)
        #expect(handled.all.map(\.payload.text) == ["later"])
        let letters = try await transport.deadLetters(of: topic, limit: 10)
        #expect(Set(letters.map(\.originalID)) == ["garbage", "number"])
        #expect(letters.allSatisfy { $0.reason.contains("invalid scheduled entry") })
    }

    @Test func aMessageLargerThanTheLimitIsRefusedAtPublish() async throws {
        let server = try await TestRedis.server()
        var configuration = try RedisStreamsConfiguration(url: server.url, namespace: TestRedis.uniqueNamespace())
        configuration.maxMessageBytes = 1000
        let transport = try await RedisStreamsTransport.connect(configuration: configuration)
        defer { transport.close() }
        let topic = Topic("sized")
        try await transport.publish(OutgoingMessage(topic: topic, payload: Array(repeating: 1, count: 1000)))
        for delivery in [ScheduledDelivery.now, .after(.seconds(1))] {
            let error = try await #require(throws: TransportError.self) {
                try await transport.publish(
                    OutgoingMessage(topic: topic, payload: Array(repeating: 1, count: 1001), delivery: delivery))
            }
            #expect(error.code == .messageTooLarge)
            #expect(error.message.contains("1001 bytes"))
        }
        let longKey = String(repeating: "k", count: RedisStreamsConfiguration.maxKeyBytes + 1)
        let error = try await #require(throws: TransportError.self) {
            try await transport.publish(OutgoingMessage(topic: Topic("sized", keyed: true), key: longKey, payload: []))
        }
        #expect(error.code == .messageTooLarge)
        #expect(try await transport.client.send(XLEN(transport.keyspace.stream(topic, partition: 0))) == 1)
    }

    @Test func versionConflictsCountTowardTheDeliveryLimit() async throws {
        let transport = try await TestRedis.transport()
        defer { transport.close() }
        let topic = Topic("conflicts", keyed: true)
        let state = StateKey("conflicted", partitionKey: "a")
        try await transport.publish(OutgoingMessage(topic: topic, key: "a", payload: "loop".bytes))
        let runs = Recorder<Int>()
        try await whileConsuming(
            transport, Subscription(topic: topic, group: "g", maxDeliveries: 4, schedulerInterval: .milliseconds(20))
        ) { message in
            runs.append(message.deliveryCount)
            // Always expects a version the state never has: every commit conflicts.
            return .ack(Commit(writes: [StateWrite(key: state, operation: .put([1]), expectedVersion: 99)]))
        } _: {
            try await eventually("dead-lettered") { try await !transport.deadLetters(of: topic, limit: 10).isEmpty }
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(runs.count == 4, "each handler run that conflicts counts as a delivery: \(runs.all)")
        let letter = try #require(try await transport.deadLetters(of: topic, limit: 10).first)
        #expect(letter.reason.contains("conflict"), "\(letter.reason)")
        #expect(letter.deliveryCount == 4)
    }

    /// A commit Redis refuses (the state key was overwritten with a value of another type): its live consumer does
    /// not keep renewing the message forever; it is delivered again after the visibility timeout, dead-lettered
    /// once delivered too often, and the key's next message runs.
    @Test func aCommitRedisRefusesIsDeliveredAgainThenDeadLettered() async throws {
        let transport = try await TestRedis.transport()
        defer { transport.close() }
        let topic = Topic("refused", keyed: true)
        let state = StateKey("refused", partitionKey: "a")
        try await transport.client.send(SET(transport.keyspace.state(state), Array("not a hash".utf8)))
        try await transport.publish(OutgoingMessage(topic: topic, key: "a", payload: "refused".bytes))
        try await transport.publish(OutgoingMessage(topic: topic, key: "a", payload: "next".bytes))
        let runs = Recorder<Int>()
        let next = Recorder<String>()
        let subscription = Subscription(
            topic: topic, group: "g", visibilityTimeout: .milliseconds(300), maxDeliveries: 3,
            schedulerInterval: .milliseconds(20))
        try await whileConsuming(transport, subscription) { message in
            if message.payload.text == "next" {
                next.append("ok")
                return .ack
            }
            runs.append(message.deliveryCount)
            return .ack(Commit(writes: [StateWrite(key: state, operation: .put([1]))]))
        } _: {
            try await eventually("dead-lettered", timeout: .seconds(20)) {
                try await !transport.deadLetters(of: topic, limit: 10).isEmpty
            }
            try await eventually("the key's next message ran") { next.count == 1 }
        }
        #expect(runs.all == [1, 2, 3], "\(runs.all)")
        let letter = try #require(try await transport.deadLetters(of: topic, limit: 10).first)
        #expect(letter.payload.text == "refused")
        try await expectNothingPending(transport, topic, group: "g")
    }

    func expectNothingPending(_ transport: RedisStreamsTransport, _ topic: Topic, group: String) async throws {
        let stream = transport.keyspace.stream(topic, partition: 0)
        try await eventually("nothing pending") {
            try await transport.client.send(XPENDING(stream, group: group, count: 100)).isEmpty
        }
    }
}
