import Foundation
import Testing

@testable import InfiniticTransport

/// What handlers decide: retries, dead letters, thrown errors, and commits applied atomically with the ack.
@Suite(.timeLimit(.minutes(1))) struct InMemoryDispositionTests {
    @Test func aRetryIsRedeliveredAfterItsDelayWithTheNextDeliveryCount() async throws {
        let clock = ManualTransportClock()
        let transport = InMemoryTransport(clock: clock)
        let topic = Topic("retry")
        let deliveries = Locked([(count: Int, at: Date, id: String)]())
        try await transport.publish(OutgoingMessage(topic: topic, payload: bytes(1)))
        try await withConsumers(transport, consumers(1, of: topic)) { message in
            deliveries.withLock { $0.append((message.deliveryCount, clock.now(), message.id)) }
            return message.deliveryCount < 3 ? .retry(after: .seconds(2), reason: "not yet") : .ack
        } _: {
            for expected in 1...2 {
                try await eventually("delivery \(expected) asked for a retry") {
                    deliveries.value.count == expected && transport.snapshot(of: topic).groups["g"]?.delayed == 1
                }
                clock.advance(by: .milliseconds(1_999))
                #expect(transport.snapshot(of: topic).groups["g"]?.delayed == 1)
                clock.advance(by: .milliseconds(1))
            }
            try await eventually("the third delivery") { deliveries.value.count >= 3 }
            try await eventually("everything acknowledged") { transport.snapshot(of: topic).isIdle }
        }
        let result = deliveries.value
        #expect(result.map(\.count) == [1, 2, 3])
        #expect(result[1].at >= result[0].at.addingTimeInterval(2))
        #expect(result[2].at >= result[1].at.addingTimeInterval(2))
        #expect(Set(result.map(\.id)).count == 1, "a retry is the same message")
    }

    @Test func aMessageRetriedMaxDeliveriesTimesIsDeadLettered() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("doomed")
        let calls = Locked([Int]())
        try await transport.publish(OutgoingMessage(topic: topic, key: "k1", payload: bytes(42)))
        try await withConsumers(transport, consumers(2, of: topic, maxDeliveries: 3)) { message in
            calls.withLock { $0.append(message.deliveryCount) }
            return .retry(after: .zero, reason: "boom \(message.deliveryCount)")
        } _: {
            try await eventually("a dead letter") { transport.snapshot(of: topic).deadLetters == 1 }
            try await eventually("everything settled") { transport.snapshot(of: topic).isIdle }
        }
        #expect(calls.value == [1, 2, 3])
        let dead = try await transport.deadLetters(of: topic, limit: 10)
        try #require(dead.count == 1)
        #expect(dead[0].reason.contains("boom 3"))
        #expect(dead[0].reason.contains("3 deliveries"))
        #expect(dead[0].deliveryCount == 3)
        #expect(dead[0].group == "g")
        #expect(dead[0].originalID == "0-1")
        #expect(dead[0].key == "k1")
        #expect(dead[0].payload == bytes(42))
        #expect(dead[0].topic == topic)
    }

    @Test func aHandlerCanDeadLetterAtOnce() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("poison")
        let calls = Locked(0)
        let ids = Locked([String]())
        try await transport.publish(messages(0..<3, to: topic))
        try await withConsumers(transport, consumers(1, of: topic, concurrency: 1)) { message in
            calls.withLock { $0 += 1 }
            ids.withLock { $0.append(message.id) }
            return .deadLetter(reason: "poison \(number(message))")
        } _: {
            try await eventually("three dead letters") { transport.snapshot(of: topic).deadLetters == 3 }
        }
        #expect(calls.value == 3)
        let dead = try await transport.deadLetters(of: topic, limit: 10)
        #expect(dead.map(\.reason) == ["poison 0", "poison 1", "poison 2"])
        #expect(dead.map(\.originalID) == ids.value)
        #expect(dead.allSatisfy { $0.deliveryCount == 1 })
        #expect(try await transport.deadLetters(of: topic, limit: 2).map(\.reason) == ["poison 0", "poison 1"])
        #expect(transport.snapshot(of: topic).stored == 0)
    }

    @Test func aThrowingHandlerIsRetriedWithBackoff() async throws {
        struct Flaky: Error {}
        let transport = InMemoryTransport()
        let topic = Topic("flaky")
        let deliveries = Locked([(count: Int, at: Date)]())
        try await transport.publish(OutgoingMessage(topic: topic, payload: bytes(1)))
        try await withConsumers(transport, consumers(1, of: topic)) { message in
            deliveries.withLock { $0.append((message.deliveryCount, Date())) }
            if message.deliveryCount == 1 { throw Flaky() }
            return .ack
        } _: {
            try await eventually("the retry") { deliveries.value.count >= 2 }
            try await eventually("everything acknowledged") { transport.snapshot(of: topic).isIdle }
        }
        let result = deliveries.value
        #expect(result.map(\.count) == [1, 2])
        // HandlerRunner's backoff after a first failure is 100 ms.
        #expect(result[1].at.timeIntervalSince(result[0].at) >= 0.1)
        #expect(transport.snapshot(of: topic).deadLetters == 0)
    }

    @Test func anAckAppliesItsCommitWithTheAcknowledgement() async throws {
        let transport = InMemoryTransport()
        let input = Topic("commands", keyed: true)
        let output = Topic("events")
        let state = StateKey("workflow:1", partitionKey: "workflow:1")
        let tags = StateKey("tag:blue")
        try await transport.publish(OutgoingMessage(topic: input, key: "workflow:1", payload: bytes(1)))
        try await withConsumers(transport, consumers(1, of: input)) { message in
            .ack(
                Commit(
                    messages: [
                        OutgoingMessage(topic: output, payload: bytes(10)),
                        OutgoingMessage(topic: output, payload: bytes(11), delivery: .after(.seconds(3600))),
                    ],
                    writes: [
                        StateWrite(key: state, operation: .put(bytes(100)), expectedVersion: 0),
                        StateWrite(key: tags, operation: .addToSet(["w1", "w2"])),
                    ]))
        } _: {
            try await eventually("the input acknowledged") { transport.snapshot(of: input).isIdle }
        }
        #expect(try await transport.read(state) == VersionedValue(bytes: bytes(100), version: 1))
        #expect(try await transport.members(of: tags) == ["w1", "w2"])
        let published = transport.snapshot(of: output)
        #expect(published.stored == 1)
        #expect(published.scheduled == 1)
    }

    @Test func versionsGrowByOneAndSetsDisappearWhenEmpty() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("writes")
        let key = StateKey("value")
        let set = StateKey("set")
        let steps: [[StateWrite]] = [
            [StateWrite(key: key, operation: .put(bytes(1)), expectedVersion: 0)],
            [
                StateWrite(key: key, operation: .put(bytes(2)), expectedVersion: 1),
                .init(key: set, operation: .addToSet(["a", "b"])),
            ],
            [StateWrite(key: key, operation: .put(bytes(3))), .init(key: set, operation: .removeFromSet(["a"]))],
            [
                StateWrite(key: key, operation: .delete, expectedVersion: 3),
                .init(key: set, operation: .removeFromSet(["b"])),
            ],
            [StateWrite(key: key, operation: .put(bytes(4)), expectedVersion: 0)],
        ]
        let observed = Locked([(VersionedValue?, Set<String>)]())
        for writes in steps {
            try await transport.publish(OutgoingMessage(topic: topic, payload: []))
            try await withConsumers(transport, consumers(1, of: topic)) { _ in
                .ack(Commit(writes: writes))
            } _: {
                try await eventually("the step") { transport.snapshot(of: topic).isIdle }
            }
            let value = try await transport.read(key)
            let members = try await transport.members(of: set)
            observed.withLock { $0.append((value, members)) }
        }
        let result = observed.value
        #expect(result.map { $0.0?.version } == [1, 2, 3, nil, 1])
        #expect(result.map { $0.0?.bytes } == [bytes(1), bytes(2), bytes(3), nil, bytes(4)])
        #expect(result.map(\.1) == [[], ["a", "b"], ["b"], [], []])
        #expect(transport.broker.stateCount(now: Date()).sets == 0, "an emptied set is removed")
    }

    @Test func aVersionConflictAppliesNothingAndRunsTheHandlerAgain() async throws {
        let transport = InMemoryTransport()
        let input = Topic("input")
        let output = Topic("output")
        let key = StateKey("counter")
        let other = StateKey("other")
        let setup = Topic("setup")
        // Version 1 exists before the handler runs.
        try await transport.publish(OutgoingMessage(topic: setup, payload: []))
        try await withConsumers(transport, consumers(1, of: setup)) { _ in
            .ack(Commit(writes: [StateWrite(key: key, operation: .put(bytes(0)))]))
        } _: {
            try await eventually("setup") { transport.snapshot(of: setup).isIdle }
        }

        let calls = Locked([Int]())
        let seenDuringSecondCall = Locked<(VersionedValue?, Int)?>(nil)
        try await transport.publish(OutgoingMessage(topic: input, payload: bytes(1)))
        try await withConsumers(transport, consumers(1, of: input)) { message in
            let call = calls.withLock {
                $0.append(message.deliveryCount)
                return $0.count
            }
            if call == 2 {
                // Nothing of the refused commit is visible.
                let value = try await transport.read(other)
                seenDuringSecondCall.withLock { $0 = (value, transport.snapshot(of: output).stored) }
            }
            let current = try await transport.read(key)?.version ?? 0
            // The first call expects a stale version.
            let expected = call == 1 ? current - 1 : current
            return .ack(
                Commit(
                    messages: [OutgoingMessage(topic: output, payload: bytes(call))],
                    writes: [
                        StateWrite(key: other, operation: .put(bytes(call))),
                        StateWrite(key: key, operation: .put(bytes(call)), expectedVersion: expected),
                    ]))
        } _: {
            try await eventually("the input acknowledged") { transport.snapshot(of: input).isIdle }
        }
        #expect(calls.value == [1, 1], "re-invoked with the same message")
        let during = try #require(seenDuringSecondCall.value)
        #expect(during.0 == nil)
        #expect(during.1 == 0)
        #expect(try await transport.read(key) == VersionedValue(bytes: bytes(2), version: 2))
        #expect(try await transport.read(other) == VersionedValue(bytes: bytes(2), version: 1))
        #expect(transport.snapshot(of: output).stored == 1)
    }

    @Test func aCommitThatKeepsConflictingIsRetriedLater() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("hopeless")
        let output = Topic("never")
        let calls = Locked([Int]())
        try await transport.publish(OutgoingMessage(topic: topic, payload: bytes(1)))
        try await withConsumers(transport, consumers(1, of: topic)) { message in
            calls.withLock { $0.append(message.deliveryCount) }
            if message.deliveryCount == 1 {
                // Version 5 never exists.
                return .ack(
                    Commit(
                        messages: [OutgoingMessage(topic: output, payload: [])],
                        writes: [StateWrite(key: StateKey("k"), operation: .put([1]), expectedVersion: 5)]))
            }
            return .ack
        } _: {
            try await eventually("the second delivery") { calls.value.count >= 4 }
            try await eventually("everything acknowledged") { transport.snapshot(of: topic).isIdle }
        }
        // Three runs on the first delivery (as on Redis), then a retry as a new delivery.
        #expect(calls.value == [1, 1, 1, 2])
        #expect(transport.snapshot(of: output).stored == 0)
        #expect(try await transport.read(StateKey("k")) == nil)
    }

    @Test func aCommitStillConflictingOnTheLastAllowedDeliveryIsDeadLettered() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("hopeless-last")
        let calls = Locked(0)
        try await transport.publish(OutgoingMessage(topic: topic, payload: bytes(1)))
        try await withConsumers(transport, consumers(1, of: topic, maxDeliveries: 1)) { _ in
            calls.withLock { $0 += 1 }
            return .ack(Commit(writes: [StateWrite(key: StateKey("k"), operation: .delete, expectedVersion: 2)]))
        } _: {
            try await eventually("a dead letter") { transport.snapshot(of: topic).deadLetters == 1 }
            try await eventually("everything settled") { transport.snapshot(of: topic).isIdle }
        }
        #expect(calls.value == 3)
        let dead = try await transport.deadLetters(of: topic, limit: 1)
        #expect(dead.first?.reason.contains("gave up after 1 deliveries") == true)
        #expect(dead.first?.reason.contains("'k'") == true)
    }

    @Test func aRetryOnASharedTopicIsRedeliveredToItsGroupOnly() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("shared-retry", shared: true)
        let calls = Locked([String: [Int]]())
        func handler(of group: String) -> MessageHandler {
            { message in
                calls.withLock { $0[group, default: []].append(message.deliveryCount) }
                return group == "a" && message.deliveryCount == 1 ? .retry(after: .milliseconds(20), reason: "a") : .ack
            }
        }
        try await withConsumers(
            transport,
            [
                (Subscription(topic: topic, group: "a"), handler(of: "a")),
                (Subscription(topic: topic, group: "b"), handler(of: "b")),
            ]
        ) {
            // Both groups subscribe before the message exists, so neither can trim it before the other read it.
            try await eventually("both groups") { transport.snapshot(of: topic).groups.count == 2 }
            try await transport.publish(OutgoingMessage(topic: topic, payload: bytes(1)))
            try await eventually("both groups done") {
                calls.value["a"]?.count == 2 && transport.snapshot(of: topic).isIdle
            }
        }
        #expect(calls.value == ["a": [1, 2], "b": [1]])
    }

    @Test func concurrentCompareAndSetIncrementsLoseNothing() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("increments")
        let counter = StateKey("counter")
        let total = 100
        try await transport.publish(messages(0..<total, to: topic))
        let subscriptions = consumers(2, of: topic, concurrency: 4, maxDeliveries: 1_000)
        try await withConsumers(transport, subscriptions) { _ in
            let current = try await transport.read(counter)
            let value = current.map { number(from: $0.bytes) } ?? 0
            await Task.yield()
            return .ack(
                Commit(writes: [
                    StateWrite(key: counter, operation: .put(bytes(value + 1)), expectedVersion: current?.version ?? 0)
                ]))
        } _: {
            try await eventually("all increments", timeout: .seconds(30)) { transport.snapshot(of: topic).isIdle }
        }
        let final = try #require(try await transport.read(counter))
        #expect(number(from: final.bytes) == total)
        #expect(final.version == total)
        #expect(transport.snapshot(of: topic).deadLetters == 0)
    }
}

private func number(from bytes: [UInt8]) -> Int { Int(String(decoding: bytes, as: UTF8.self)) ?? -1 }
