import Foundation
import InfiniticRedis
import InfiniticTransport
import Synchronization
import TestSupport
import Testing

/// The broker contract, proven the same way on the in-memory and the Redis Streams transports.
@Suite("Transport guarantees")
struct TransportGuaranteeTests {
    /// A group's backlog: messages read and not settled (pending) and not yet read (lag), over all partitions.
    @Test(arguments: TransportKind.allCases)
    func aGroupsBacklogCountsPendingAndUnreadMessages(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let topic = Topic("backlog")
        #expect(try await transport.backlog(of: topic, group: "g") == nil, "no group yet")
        let total = 10
        try await transport.publish((0..<total).map { OutgoingMessage(topic: topic, payload: "\($0)".bytes) })
        let release = Locked(false)
        let handled = Recorder<Int>()
        try await whileConsuming(transport, Subscription(topic: topic, group: "g", concurrency: 1)) { _ in
            while !release.value { try await Task.sleep(for: .milliseconds(5)) }
            handled.append(1)
            return .ack
        } _: {
            try await eventually("a message is being handled") {
                guard let backlog = try await transport.backlog(of: topic, group: "g") else { return false }
                return backlog.pending >= 1
            }
            let held = try #require(try await transport.backlog(of: topic, group: "g"))
            #expect(held.pending + (held.lag ?? 0) == total, "\(held)")
            #expect(held.lag != nil)
            release.withLock { $0 = true }
            try await eventually("everything handled") { handled.count == total }
            try await eventually("nothing left behind") {
                try await transport.backlog(of: topic, group: "g") == ConsumerBacklog(pending: 0, lag: 0)
            }
        }
        #expect(try await transport.backlog(of: topic, group: "other") == nil)
        (transport as? RedisStreamsTransport)?.close()
    }

    @Test(arguments: TransportKind.allCases)
    func exclusiveConsumptionAmongConsumersOfAGroup(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let topic = Topic("jobs")
        let handled = Recorder<String>()
        let count = 3000
        try await transport.publish((0..<count).map { OutgoingMessage(topic: topic, payload: "m\($0)".bytes) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<3 {
                let subscription = Subscription(topic: topic, group: "workers", consumer: "c\(index)", concurrency: 16)
                group.addTask {
                    try await transport.consume(subscription) { message in
                        handled.append(message.payload.text)
                        return .ack
                    }
                }
            }
            try await eventually("all handled") { handled.count >= count }
            try await Task.sleep(for: .milliseconds(300))  // a duplicate would show up here
            group.cancelAll()
        }
        #expect(handled.count == count)
        #expect(Set(handled.all).count == count)
    }

    @Test(arguments: TransportKind.allCases)
    func everyGroupReceivesEveryMessage(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let topic = Topic("events", shared: true)
        let first = Recorder<String>()
        let second = Recorder<String>()
        try await transport.publish((0..<200).map { OutgoingMessage(topic: topic, payload: "e\($0)".bytes) })
        // A shared topic keeps an entry for the groups that subscribed (the in-memory transport deletes it once
        // they all acknowledged it): neither group acknowledges anything before the other one has received a
        // message, or a group started late (a loaded machine) would find the entries gone.
        @Sendable func acknowledgeOnceBothRead() async throws -> Disposition {
            while first.count == 0 || second.count == 0 { try await Task.sleep(for: .milliseconds(1)) }
            return .ack
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await transport.consume(Subscription(topic: topic, group: "a")) { message in
                    first.append(message.payload.text)
                    return try await acknowledgeOnceBothRead()
                }
            }
            group.addTask {
                try await transport.consume(Subscription(topic: topic, group: "b")) { message in
                    second.append(message.payload.text)
                    return try await acknowledgeOnceBothRead()
                }
            }
            try await eventually("both groups done") { first.count == 200 && second.count == 200 }
            group.cancelAll()
        }
        let published = Set((0..<200).map { "e\($0)" })
        #expect(first.all.count == 200 && Set(first.all) == published, "group a got every message once")
        #expect(second.all.count == 200 && Set(second.all) == published, "group b got every message once")
    }

    /// Batches of one key (`Subscription.keyBatchSize`): messages of a key that wait together come as one batch of
    /// at most that size, oldest first; batches of a key never overlap and keep the key's order; a batch is
    /// settled as a whole (its commit applies once, with every message acknowledged).
    @Test(arguments: TransportKind.allCases)
    func waitingMessagesOfOneKeyComeInBatches(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let topic = Topic("batched", keyed: true)
        let keys = (0..<4).map { "workflow-\($0)" }
        let perKey = 40
        var messages: [OutgoingMessage] = []
        for sequence in 0..<perKey {
            for key in keys { messages.append(OutgoingMessage(topic: topic, key: key, payload: "\(sequence)".bytes)) }
        }
        let running = Locked<[String: Int]>([:])
        let overlaps = Locked(0)
        let seen = Locked<[String: [Int]]>([:])
        let sizes = Locked<[Int]>([])
        // One counter per key: a commit may only write state of its message's partition.
        let counters = Dictionary(uniqueKeysWithValues: keys.map { ($0, StateKey("batches-\($0)", partitionKey: $0)) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<2 {
                var subscription = Subscription(topic: topic, group: "engine", consumer: "c\(index)", concurrency: 8)
                subscription.keyBatchSize = 5
                group.addTask {
                    try await transport.consume(subscription) { batch in
                        let key = try #require(batch.key)
                        #expect(batch.messages.allSatisfy { $0.key == key }, "a batch holds one key")
                        let concurrent = running.withLock { running -> Int in
                            running[key, default: 0] += 1
                            return running[key]!
                        }
                        if concurrent > 1 { overlaps.withLock { $0 += 1 } }
                        try await Task.sleep(for: .milliseconds(Int.random(in: 1...5)))
                        sizes.withLock { $0.append(batch.messages.count) }
                        seen.withLock { $0[key, default: []] += batch.messages.map { Int($0.payload.text)! } }
                        running.withLock { $0[key]! -= 1 }
                        return .ack(
                            Commit(writes: [
                                StateWrite(key: counters[key]!, operation: .addToSet([batch.messages[0].id]))
                            ]))
                    }
                }
            }
            // Published while the consumers run: a key's messages pile up behind its busy holder.
            for chunk in stride(from: 0, to: messages.count, by: 20) {
                try await transport.publish(Array(messages[chunk..<min(chunk + 20, messages.count)]))
            }
            try await eventually("all keyed messages handled", timeout: .seconds(60)) {
                seen.withLock { $0.values.reduce(0) { $0 + $1.count } } >= keys.count * perKey
            }
            try await eventually("every batch committed") {
                var committed = 0
                for counter in counters.values { committed += try await transport.members(of: counter).count }
                return committed >= sizes.withLock { $0.count }
            }
            group.cancelAll()
        }
        #expect(overlaps.withLock { $0 } == 0, "two batches of one key ran at the same time")
        for key in keys {
            #expect(seen.withLock { $0[key] } == Array(0..<perKey), "order of \(key)")
        }
        let batchSizes = sizes.withLock { $0 }
        #expect(batchSizes.allSatisfy { (1...5).contains($0) })
        #expect(batchSizes.contains { $0 > 1 }, "messages waiting behind their key came one at a time: \(batchSizes)")
        var committed = 0
        for counter in counters.values { committed += try await transport.members(of: counter).count }
        #expect(committed == batchSizes.count, "one commit per batch")
    }

    /// On four partitions (Redis; the keys spread over them), by four consumers.
    @Test(arguments: TransportKind.allCases)
    func messagesWithOneKeyRunOneAtATimeInTheOrderSent(_ kind: TransportKind) async throws {
        let transport = try await kind.make(partitions: 4)
        let topic = Topic("engine", keyed: true)
        let keys = (0..<8).map { "workflow-\($0)" }
        if let redis = transport as? RedisStreamsTransport {
            #expect(Set(keys.map { redis.keyspace.partition(for: $0) }).count > 2, "the keys spread over partitions")
        }
        let perKey = 60
        // One producer, sending each key's messages in order (interleaved across keys).
        var messages: [OutgoingMessage] = []
        for sequence in 0..<perKey {
            for key in keys { messages.append(OutgoingMessage(topic: topic, key: key, payload: "\(sequence)".bytes)) }
        }
        for chunk in stride(from: 0, to: messages.count, by: 50) {
            try await transport.publish(Array(messages[chunk..<min(chunk + 50, messages.count)]))
        }
        let running = Locked<[String: Int]>([:])
        let overlaps = Locked(0)
        let seen = Locked<[String: [Int]]>([:])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                let subscription = Subscription(topic: topic, group: "engine", consumer: "c\(index)", concurrency: 8)
                group.addTask {
                    try await transport.consume(subscription) { message in
                        let key = try #require(message.key)
                        let concurrent = running.withLock { running -> Int in
                            running[key, default: 0] += 1
                            return running[key]!
                        }
                        if concurrent > 1 { overlaps.withLock { $0 += 1 } }
                        seen.withLock { $0[key, default: []].append(Int(message.payload.text)!) }
                        try await Task.sleep(for: .microseconds(Int.random(in: 0...1500)))
                        running.withLock { $0[key]! -= 1 }
                        return .ack
                    }
                }
            }
            try await eventually("all keyed messages handled", timeout: .seconds(60)) {
                seen.withLock { $0.values.reduce(0) { $0 + $1.count } } >= keys.count * perKey
            }
            group.cancelAll()
        }
        #expect(overlaps.withLock { $0 } == 0, "two messages with one key ran at the same time")
        for key in keys {
            #expect(seen.withLock { $0[key] } == Array(0..<perKey), "order of \(key)")
        }
    }

    /// The place of a retried keyed message (README, "Per-key order and retries"): it gives up its place and comes
    /// back behind the messages of its key published before its delay ended, those parked behind the key
    /// included; the other messages of its key keep their order. Four partitions on Redis, two consumers.
    @Test(arguments: TransportKind.allCases)
    func aRetriedKeyedMessageComesBackBehindTheMessagesOfItsKey(_ kind: TransportKind) async throws {
        let transport = try await kind.make(partitions: 4)
        let topic = Topic("ordered", keyed: true)
        let keys = (0..<12).map { "order-\($0)" }
        if let redis = transport as? RedisStreamsTransport {
            #expect(Set(keys.map { redis.keyspace.partition(for: $0) }).count > 2, "the keys spread over partitions")
        }
        var messages: [OutgoingMessage] = []
        for sequence in 0..<5 {
            for key in keys { messages.append(OutgoingMessage(topic: topic, key: key, payload: "\(sequence)".bytes)) }
        }
        try await transport.publish(messages)
        let handled = Locked<[String: [Int]]>([:])
        let deliveries = Locked<[String: [Int]]>([:])
        let running = Locked<Set<String>>([])
        let overlaps = Locked(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<2 {
                let subscription = Subscription(
                    topic: topic, group: "engine", consumer: "c\(index)", concurrency: 16,
                    schedulerInterval: .milliseconds(20))
                group.addTask {
                    try await transport.consume(subscription) { message in
                        let key = try #require(message.key)
                        let sequence = Int(message.payload.text)!
                        if !running.withLock({ $0.insert(key).inserted }) { overlaps.withLock { $0 += 1 } }
                        defer { _ = running.withLock { $0.remove(key) } }
                        deliveries.withLock { $0[key, default: []].append(sequence) }
                        // 1 is retried soon, while 2 holds the key long enough for 1 to come back behind 3 and 4.
                        if sequence == 1 && message.deliveryCount == 1 {
                            return .retry(after: .milliseconds(50), reason: "later")
                        }
                        if sequence == 2 { try await Task.sleep(for: .milliseconds(500)) }
                        handled.withLock { $0[key, default: []].append(sequence) }
                        return .ack
                    }
                }
            }
            try await eventually("every message handled", timeout: .seconds(30)) {
                handled.withLock { $0.values.reduce(0) { $0 + $1.count } } >= keys.count * 5
            }
            group.cancelAll()
        }
        #expect(overlaps.value == 0, "two messages of one key ran at the same time")
        for key in keys {
            #expect(deliveries.withLock { $0[key] } == [0, 1, 2, 3, 4, 1], "deliveries of \(key)")
            #expect(handled.withLock { $0[key] } == [0, 2, 3, 4, 1], "order of \(key)")
        }
    }

    @Test(arguments: TransportKind.allCases)
    func scheduledMessagesAreNeverDeliveredEarly(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let topic = Topic("timers")
        let start = Date()
        let dueAt = start.addingTimeInterval(0.6)
        try await transport.publish([
            OutgoingMessage(topic: topic, payload: "after".bytes, delivery: .after(.milliseconds(300))),
            OutgoingMessage(topic: topic, payload: "at".bytes, delivery: .at(dueAt)),
            OutgoingMessage(topic: topic, payload: "now".bytes),
        ])
        let received = Recorder<(String, Date)>()
        try await whileConsuming(
            transport, Subscription(topic: topic, group: "g", schedulerInterval: .milliseconds(20))
        ) {
            message in
            received.append((message.payload.text, Date()))
            return .ack
        } _: {
            try await eventually("three deliveries") { received.count == 3 }
        }
        let times = Dictionary(uniqueKeysWithValues: received.all)
        #expect(times["after"]! >= start.addingTimeInterval(0.3))
        #expect(times["at"]! >= dueAt)
        #expect(times["now"] != nil)
        #expect(times["at"]! < dueAt.addingTimeInterval(10), "late by more than 10 s")
    }

    @Test(arguments: TransportKind.allCases)
    func aScheduledMessagePublishedTwiceIsStoredOnce(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let topic = Topic("dedup")
        let message = OutgoingMessage(topic: topic, payload: "once".bytes, delivery: .after(.milliseconds(100)))
        try await transport.publish([message])
        try await transport.publish([message])
        let received = Recorder<String>()
        try await whileConsuming(
            transport, Subscription(topic: topic, group: "g", schedulerInterval: .milliseconds(20))
        ) {
            message in
            received.append(message.payload.text)
            return .ack
        } _: {
            try await eventually("delivered") { received.count >= 1 }
            try await Task.sleep(for: .milliseconds(400))
        }
        #expect(received.all == ["once"])
    }

    @Test(arguments: TransportKind.allCases)
    func aHandlerCanAskForADelayedRetry(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let topic = Topic("retry")
        try await transport.publish(OutgoingMessage(topic: topic, key: "k", payload: "job".bytes))
        let deliveries = Recorder<(Int, Date)>()
        try await whileConsuming(
            transport, Subscription(topic: topic, group: "g", schedulerInterval: .milliseconds(20))
        ) {
            message in
            deliveries.append((message.deliveryCount, Date()))
            return message.deliveryCount == 1 ? .retry(after: .milliseconds(300), reason: "not yet") : .ack
        } _: {
            try await eventually("second delivery") { deliveries.count == 2 }
        }
        let all = deliveries.all
        #expect(all.map(\.0) == [1, 2])
        #expect(all[1].1.timeIntervalSince(all[0].1) >= 0.3)
        let letters = try await transport.deadLetters(of: topic, limit: 10)
        #expect(letters.isEmpty)
    }

    @Test(arguments: TransportKind.allCases)
    func aMessageThatKeepsFailingGoesToTheDeadLetters(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let topic = Topic("poison")
        try await transport.publish(OutgoingMessage(topic: topic, key: "k", payload: "poison".bytes))
        try await transport.publish(OutgoingMessage(topic: topic, payload: "fine".bytes))
        let attempts = Recorder<Int>()
        let fine = Recorder<String>()
        try await whileConsuming(
            transport, Subscription(topic: topic, group: "g", maxDeliveries: 3, schedulerInterval: .milliseconds(20))
        ) { message in
            if message.payload.text == "fine" {
                fine.append("ok")
                return .ack
            }
            attempts.append(message.deliveryCount)
            throw Boom()
        } _: {
            try await eventually("dead-lettered") { try await !transport.deadLetters(of: topic, limit: 10).isEmpty }
        }
        #expect(attempts.all == [1, 2, 3])
        #expect(fine.count == 1, "a poison message must not block the others")
        let letter = try #require(try await transport.deadLetters(of: topic, limit: 10).first)
        #expect(letter.payload.text == "poison")
        #expect(letter.key == "k")
        #expect(letter.deliveryCount == 3)
        #expect(letter.group == "g")
        #expect(letter.reason.contains("boom"))
    }

    @Test(arguments: TransportKind.allCases)
    func anAcknowledgementCommitsStateAndMessagesAtomically(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let input = Topic("commands", keyed: true)
        let output = Topic("results")
        let state = StateKey("counter", partitionKey: "w1")
        try await transport.publish((0..<20).map { OutgoingMessage(topic: input, key: "w1", payload: "\($0)".bytes) })
        let invocations = Locked(0)
        let results = Recorder<String>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await transport.consume(Subscription(topic: input, group: "engine", concurrency: 4)) { message in
                    invocations.withLock { $0 += 1 }
                    let current = try await transport.read(state)
                    let total = (current.map { Int($0.bytes.text)! } ?? 0) + Int(message.payload.text)!
                    return .ack(
                        Commit(
                            messages: [OutgoingMessage(topic: output, payload: "\(total)".bytes)],
                            writes: [
                                StateWrite(
                                    key: state, operation: .put("\(total)".bytes),
                                    expectedVersion: current?.version ?? 0),
                                StateWrite(
                                    key: StateKey("seen", partitionKey: "w1"),
                                    operation: .addToSet([message.payload.text])),
                            ]))
                }
            }
            group.addTask {
                try await transport.consume(Subscription(topic: output, group: "reader")) { message in
                    results.append(message.payload.text)
                    return .ack
                }
            }
            try await eventually("all results") { results.count == 20 }
            group.cancelAll()
        }
        let final = try #require(try await transport.read(state))
        #expect(final.bytes.text == "190")
        #expect(final.version == 20)
        #expect(results.all.last == "190")
        #expect(invocations.withLock { $0 } == 20, "no conflicts when the key lock serializes the handlers")
        #expect(try await transport.members(of: StateKey("seen", partitionKey: "w1")) == Set((0..<20).map(String.init)))
    }

    @Test(arguments: TransportKind.allCases)
    func aFailedVersionCheckAppliesNothingAndRunsTheHandlerAgain(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let topic = Topic("cas")
        let output = Topic("cas-out")
        let state = StateKey("doc")
        // Routed with the state it writes: one atomic step stays in one partition.
        let unchecked = StateKey("doc-note", partitionKey: "doc")
        let members = StateKey("doc-members", partitionKey: "doc")
        try await transport.publish(OutgoingMessage(topic: topic, partitionKey: "doc", payload: "x".bytes))
        let versionsSeen = Recorder<Int>()
        try await whileConsuming(transport, Subscription(topic: topic, group: "g")) { message in
            let current = try await transport.read(state)?.version ?? 0
            versionsSeen.append(current)
            // The first attempt claims a stale version: its commit must change nothing, neither its unchecked
            // writes (a set, another key) nor its messages.
            let attempt = versionsSeen.count
            let expected = attempt == 1 ? current + 7 : current
            return .ack(
                Commit(
                    messages: [OutgoingMessage(topic: output, payload: "attempt \(attempt)".bytes)],
                    writes: [
                        StateWrite(key: unchecked, operation: .put("attempt \(attempt)".bytes)),
                        StateWrite(key: members, operation: .addToSet(["attempt \(attempt)"])),
                        StateWrite(key: state, operation: .put("v".bytes), expectedVersion: expected),
                    ]))
        } _: {
            try await eventually("committed") { try await transport.read(state) != nil }
        }
        #expect(versionsSeen.all == [0, 0])
        #expect(try await transport.read(state)?.version == 1)
        #expect(try await transport.read(unchecked) == VersionedValue(bytes: "attempt 2".bytes, version: 1))
        #expect(try await transport.members(of: members) == ["attempt 2"])
        let outputs = Recorder<String>()
        try await whileConsuming(transport, Subscription(topic: output, group: "r")) { message in
            outputs.append(message.payload.text)
            return .ack
        } _: {
            try await eventually("output read") { outputs.count >= 1 }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(outputs.all == ["attempt 2"], "the refused commit must not have published")
    }

    @Test(arguments: TransportKind.allCases)
    func aKeyedSubscriptionCanReadTheKeysStateWithEachMessage(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let topic = Topic("prefetching", keyed: true)
        let prefetch = StatePrefetch(namePrefix: "counter:")
        let keys = (0..<5).map { "k\($0)" }
        try await transport.publish(
            (0..<60).map { OutgoingMessage(topic: topic, key: keys[$0 % keys.count], payload: "\($0)".bytes) })
        let mismatches = Locked(0)
        let prefetched = Locked(0)
        let handled = Locked(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<3 {
                let subscription = Subscription(
                    topic: topic, group: "engine", consumer: "c\(index)", concurrency: 4, prefetch: prefetch)
                group.addTask {
                    try await transport.consume(subscription) { message in
                        let key = prefetch.stateKey(for: try #require(message.key))
                        let current = try await transport.read(key)
                        if let state = message.prefetchedState {
                            prefetched.withLock { $0 += 1 }
                            if state.key != key || state.value != current { mismatches.withLock { $0 += 1 } }
                        }
                        let count = current.map { Int($0.bytes.text)! } ?? 0
                        handled.withLock { $0 += 1 }
                        return .ack(
                            Commit(writes: [
                                StateWrite(
                                    key: key, operation: .put("\(count + 1)".bytes),
                                    expectedVersion: current?.version ?? 0)
                            ]))
                    }
                }
            }
            try await eventually("all handled") { handled.value >= 60 }
            group.cancelAll()
        }
        #expect(mismatches.value == 0, "a prefetched state differed from the state read by the handler")
        #expect(prefetched.value == 60, "every message of a keyed prefetching subscription comes with its state")
        for key in keys {
            #expect(try await transport.read(prefetch.stateKey(for: key))?.bytes.text == "12")
        }
    }

    /// A value written with an expiry goes by itself once it is over; a write of some fields keeps the expiry, a
    /// `put` or a write replacing every field clears it; an expiry of an absent key creates nothing, one that is
    /// not positive deletes at once. (The writes after each expiry are in the same commit, applied in order: no
    /// timing matters but the expiry's own.)
    @Test(arguments: TransportKind.allCases)
    func aValueWithAnExpiryGoesByItself(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let prefix = "expiring-\(UUID().uuidString.prefix(8)):"
        let (kept, replaced, put, absent, now) = (
            StateKey(prefix + "kept", partitionKey: "p"), StateKey(prefix + "replaced", partitionKey: "p"),
            StateKey(prefix + "put", partitionKey: "p"), StateKey(prefix + "absent", partitionKey: "p"),
            StateKey(prefix + "now", partitionKey: "p")
        )
        let expiry = Duration.seconds(2)
        let started = ContinuousClock.now
        try await commitWrites(
            [
                StateWrite(key: kept, operation: .setFields(["f": "1".bytes])),
                StateWrite(key: kept, operation: .expire(after: expiry)),
                StateWrite(key: kept, operation: .setFields(["g": "2".bytes])),
                StateWrite(key: replaced, operation: .setFields(["f": "1".bytes])),
                StateWrite(key: replaced, operation: .expire(after: expiry)),
                StateWrite(key: replaced, operation: .setFields(["h": "3".bytes], replacingAll: true)),
                StateWrite(key: put, operation: .put("1".bytes)),
                StateWrite(key: put, operation: .expire(after: expiry)),
                StateWrite(key: put, operation: .put("2".bytes)),
                StateWrite(key: absent, operation: .expire(after: expiry)),
                StateWrite(key: now, operation: .put("1".bytes)),
                StateWrite(key: now, operation: .expire(after: .zero)),
            ], on: transport, partitionKey: "p")
        let before = try await transport.read(kept, fields: nil)
        #expect(try await transport.read(now) == nil, "an expiry that is not positive deletes at once")
        // On a machine too slow for the expiry, the value may be gone already; it is checked when it is not.
        if ContinuousClock.now - started < expiry {
            #expect(before?.version == 2, "an expiry is no write")
            #expect(before?.fields == ["f": "1".bytes, "g": "2".bytes])
        }
        try await eventually("the value goes when its expiry is over") {
            try await transport.read(kept, fields: nil) == nil
        }
        #expect(ContinuousClock.now - started >= expiry, "not before")
        #expect(try await transport.read(replaced, fields: nil)?.fields == ["h": "3".bytes])
        #expect(try await transport.read(put)?.bytes == "2".bytes)
        #expect(try await transport.read(absent, fields: nil) == nil)
        (transport as? RedisStreamsTransport)?.close()
    }

    @Test(arguments: TransportKind.allCases)
    func aDeletedTopicForgetsItsMessages(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let topic = Topic("replies")
        try await transport.publish((0..<5).map { OutgoingMessage(topic: topic, payload: "old\($0)".bytes) })
        try await transport.publish(
            OutgoingMessage(topic: topic, payload: "later".bytes, delivery: .after(.milliseconds(50))))
        try await transport.deleteTopic(topic)
        try await Task.sleep(for: .milliseconds(100))
        try await transport.publish(OutgoingMessage(topic: topic, payload: "new".bytes))
        let received = Recorder<String>()
        try await whileConsuming(
            transport, Subscription(topic: topic, group: "g", schedulerInterval: .milliseconds(20))
        ) {
            message in
            received.append(message.payload.text)
            return .ack
        } _: {
            try await eventually("the new message") { received.count >= 1 }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(received.all == ["new"])
    }

    @Test(arguments: TransportKind.allCases)
    func cancellingAConsumerReturnsPromptly(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let returned = Locked(false)
        let task = Task {
            defer { returned.withLock { $0 = true } }
            try await transport.consume(Subscription(topic: Topic("idle"), group: "g")) { _ in .ack }
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(!returned.value, "the consumer runs (blocked on an empty topic) until cancelled")
        let start = ContinuousClock.now
        task.cancel()
        let result = await task.result
        #expect(start.duration(to: .now) < .seconds(5))  // generous: a loaded 2-core machine
        if case .failure(let error) = result {
            #expect(error is CancellationError, "the consumer ended by its cancellation, not by \(error)")
        }
    }
}

private struct Boom: Error, CustomStringConvertible {
    var description: String { "boom" }
}
