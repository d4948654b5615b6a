import Foundation
import InfiniticRedis
import InfiniticTransport
import TestSupport
import Testing

/// `StatePrefetch.ownWrites` on Redis: while the hint is on, a state the reading consumer wrote last comes with its
/// named fields only (its reader keeps what it wrote); one another consumer wrote, or none, is read as usual, and so
/// is every state while the hint is off. The last writer is bookkeeping of the store, never a field of the value.
@Suite("Prefetch after an own write")
struct OwnWritePrefetchTests {
    @Test func aStateTheConsumerWroteLastComesWithItsNamedFieldsOnly() async throws {
        let transport = try await TestRedis.transport()
        defer { transport.close() }
        let topic = Topic("own-writes", keyed: true)
        let hint = OwnWriteHint(on: true)
        let prefetch = StatePrefetch(namePrefix: "own:", fields: ["h"], wholeUpTo: 16, ownWrites: hint)
        let key = prefetch.stateKey(for: "k")
        let seen = Recorder<(consumer: String, state: StateFields?)>()
        /// Handles the next message of `topic` as `consumer`: records its prefetched state and writes two fields.
        func handleOne(as consumer: String, prefetch: StatePrefetch, writes: Bool = true) async throws {
            let before = seen.count
            try await transport.publish(OutgoingMessage(topic: topic, key: "k", payload: [UInt8(before)]))
            let subscription = Subscription(topic: topic, group: "engine", consumer: consumer, prefetch: prefetch)
            try await whileConsuming(transport, subscription) { message in
                seen.append((consumer, message.prefetchedState?.fields))
                let version = message.prefetchedState?.fields?.version ?? 0
                guard writes else { return .ack }
                let fields = ["h": Array("header \(before)".utf8), "m": Array("method \(before)".utf8)]
                return .ack(
                    Commit(writes: [
                        StateWrite(key: key, operation: .setFields(fields), expectedVersion: version)
                    ]))
            } _: {
                try await eventually("handled") { seen.count > before }
                try await eventually("committed") {
                    try await transport.backlog(of: topic, group: "engine") == ConsumerBacklog(pending: 0, lag: 0)
                }
            }
        }
        try await handleOne(as: "a", prefetch: prefetch)
        try await handleOne(as: "a", prefetch: prefetch)
        try await handleOne(as: "b", prefetch: prefetch)
        try await handleOne(as: "b", prefetch: StatePrefetch(namePrefix: "own:", fields: ["h"], wholeUpTo: 16))
        try await handleOne(as: "b", prefetch: prefetch)
        hint.set(false)
        try await handleOne(as: "b", prefetch: prefetch, writes: false)
        let states = seen.all.map(\.state)
        #expect(states.count == 6)
        #expect(states[0] == nil, "nothing stored yet")
        #expect(
            states[1] == StateFields(version: 1, fields: ["h": Array("header 0".utf8)], isComplete: false),
            "its own write: the named field only")
        #expect(
            states[2]
                == StateFields(
                    version: 2, fields: ["h": Array("header 1".utf8), "m": Array("method 1".utf8)], isComplete: true),
            "another consumer's write: read whole (a small state)")
        #expect(states[3]?.isComplete == true, "a subscription without the hint reads its own writes whole")
        #expect(states[4]?.fields.count == 1 && states[4]?.version == 4, "with the hint again")
        #expect(states[5]?.isComplete == true && states[5]?.version == 5, "the hint off: read whole")
        let stored = try await transport.read(key, fields: nil)
        #expect(stored?.fields.keys.sorted() == ["h", "m"], "the last writer is not a field of the value")
    }

    /// The last writer field does not count as a field of the value: a value of `wholeUpTo` fields comes whole
    /// with a message whoever wrote it, one field more and only the named fields come.
    @Test func aSmallStateIsReadWholeUpToItsLimitWhateverItsWriter() async throws {
        let transport = try await TestRedis.transport()
        defer { transport.close() }
        let topic = Topic("whole-up-to", keyed: true)
        let prefetch = StatePrefetch(
            namePrefix: "whole:", fields: ["h"], wholeUpTo: 4, ownWrites: OwnWriteHint(on: true))
        let key = prefetch.stateKey(for: "k")
        func prefetched() async throws -> StateFields? {
            try await transport.publish(OutgoingMessage(topic: topic, key: "k", payload: [0]))
            let seen = Recorder<StateFields?>()
            let subscription = Subscription(topic: topic, group: "engine", consumer: "reader", prefetch: prefetch)
            try await whileConsuming(transport, subscription) { message in
                seen.append(message.prefetchedState?.fields)
                return .ack
            } _: {
                try await eventually("handled") { seen.count > 0 }
            }
            return seen.all.first ?? nil
        }
        let four = ["h": [1], "a": [2], "b": [3], "c": [4]].mapValues { $0.map(UInt8.init) }
        try await commitWrites(
            [StateWrite(key: key, operation: .setFields(four))], on: transport, partitionKey: "k")
        #expect(try await prefetched() == StateFields(version: 1, fields: four, isComplete: true))
        try await commitWrites(
            [StateWrite(key: key, operation: .setFields(["d": [5]]))], on: transport, partitionKey: "k")
        #expect(try await prefetched() == StateFields(version: 2, fields: ["h": [1]], isComplete: false))
    }

    @Test func aCommitCannotWriteTheLastWriterField() async throws {
        let transport = try await TestRedis.transport()
        defer { transport.close() }
        let topic = Topic("reserved-writer", keyed: true)
        let key = StateKey("reserved:k", partitionKey: "k")
        try await transport.publish(OutgoingMessage(topic: topic, key: "k", payload: [1]))
        let subscription = Subscription(topic: topic, group: "g", consumer: "c")
        try await whileConsuming(transport, subscription) { _ in
            .ack(Commit(writes: [StateWrite(key: key, operation: .setFields(["w": [1]]))]))
        } _: {
            try await eventually("dead-lettered") {
                try await !transport.deadLetters(of: topic, limit: 10).isEmpty
            }
        }
        let letter = try #require(try await transport.deadLetters(of: topic, limit: 10).first)
        #expect(letter.reason.contains("the field name 'w' is reserved"), "\(letter.reason)")
        #expect(try await transport.read(key, fields: nil) == nil, "nothing written")
    }
}
