import Foundation
import Testing

@testable import InfiniticTransport

/// Keyed topics: one message per key at a time, in order, with parking and hand-over.
@Suite(.timeLimit(.minutes(1))) struct InMemoryKeyedTests {
    @Test func messagesWithTheSameKeyNeverRunAtOnceAndRunInOrder() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("workflow-engine", keyed: true)
        let keys = 10
        let perKey = 40
        struct Tracking: Sendable {
            var running: [Int: Int] = [:]
            var maxPerKey = 0
            var runningOverall = 0
            var maxOverall = 0
            var order: [Int: [Int]] = [:]
            var handled = 0
        }
        let tracking = Locked(Tracking())
        // Interleaved keys; the payload is key * 1000 + index within the key.
        let all = (0..<perKey).flatMap { index in
            (0..<keys).map { key in OutgoingMessage(topic: topic, key: "k\(key)", payload: bytes(key * 1000 + index)) }
        }
        try await transport.publish(Array(all[..<(all.count / 2)]))
        try await withConsumers(transport, consumers(3, of: topic, concurrency: 16)) { message in
            let value = number(message)
            let key = value / 1000
            #expect(message.key == "k\(key)")
            tracking.withLock {
                $0.running[key, default: 0] += 1
                $0.maxPerKey = max($0.maxPerKey, $0.running[key]!)
                $0.runningOverall += 1
                $0.maxOverall = max($0.maxOverall, $0.runningOverall)
                $0.order[key, default: []].append(value % 1000)
            }
            try await Task.sleep(for: .microseconds(300))
            tracking.withLock {
                $0.running[key]! -= 1
                $0.runningOverall -= 1
                $0.handled += 1
            }
            return .ack
        } _: {
            try await transport.publish(Array(all[(all.count / 2)...]))
            try await eventually("all handled") { tracking.value.handled == keys * perKey }
            try await eventually("everything acknowledged") { transport.snapshot(of: topic).isIdle }
        }
        let result = tracking.value
        #expect(result.maxPerKey == 1, "two messages of one key ran at once")
        #expect(result.maxOverall > 1, "different keys never ran concurrently")
        for key in 0..<keys {
            #expect(result.order[key] == Array(0..<perKey), "key \(key) out of order")
        }
    }

    @Test func aMessageWhoseKeyIsBusyIsParkedThenHandedTheKey() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("parking", keyed: true)
        let gate = Gate()
        let started = Locked([Int]())
        let finished = Locked([Int]())
        try await transport.publish([
            OutgoingMessage(topic: topic, key: "busy", payload: bytes(0)),
            OutgoingMessage(topic: topic, key: "busy", payload: bytes(1)),
            OutgoingMessage(topic: topic, key: "busy", payload: bytes(2)),
            OutgoingMessage(topic: topic, key: "free", payload: bytes(3)),
        ])
        try await withConsumers(transport, consumers(2, of: topic, concurrency: 10)) { message in
            started.withLock { $0.append(number(message)) }
            if number(message) == 0 { try await gate.wait() }
            finished.withLock { $0.append(number(message)) }
            return .ack
        } _: {
            // 1 and 2 wait for "busy"; 3 has its own key and is not held up.
            try await eventually("1 and 2 parked, 3 handled") {
                transport.snapshot(of: topic).groups["g"]?.parked == 2 && finished.value == [3]
            }
            #expect(Set(started.value) == [0, 3])
            gate.open()
            try await eventually("all four handled") { finished.value.count >= 4 }
            try await eventually("everything acknowledged") { transport.snapshot(of: topic).isIdle }
        }
        #expect(started.value.filter { $0 != 3 } == [0, 1, 2])
        #expect(finished.value.filter { $0 != 3 } == [0, 1, 2])
        #expect(started.value.count == 4, "a handler ran more than once")
    }

    @Test func messagesWithoutAKeyAreNotSerialized() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("keyed-but-unkeyed-messages", keyed: true)
        let arrived = Locked(0)
        let failures = Locked([String]())
        let done = Locked(0)
        try await transport.publish(messages(0..<5, to: topic))
        try await withConsumers(transport, consumers(1, of: topic, concurrency: 5)) { _ in
            arrived.withLock { $0 += 1 }
            // A barrier: passes only if all five run at the same time.
            do {
                try await eventually("five handlers at once", timeout: .seconds(5)) { arrived.value >= 5 }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
            done.withLock { $0 += 1 }
            return .ack
        } _: {
            try await eventually("the five handled") { done.value >= 5 }
        }
        #expect(failures.value.isEmpty)
    }

    @Test func aMessageGivenBackGoesBeforeLaterMessagesOfItsKey() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("give-back", keyed: true)
        let first = Gate()
        let seen = Locked([(Int, Int)]())
        try await transport.publish(messages(0..<3, to: topic, key: { _ in "k" }))
        // A consumer that gets message 0 and is cancelled while handling it.
        let subscription = Subscription(topic: topic, group: "g", consumer: "doomed", concurrency: 4)
        let doomed = Task {
            try await transport.consume(subscription) { message in
                seen.withLock { $0.append((number(message), message.deliveryCount)) }
                first.open()
                try await Task.sleep(for: .seconds(60))
                return .ack
            }
        }
        try await first.wait()
        #expect(transport.snapshot(of: topic).groups["g"]?.parked == 2)
        doomed.cancel()
        try await doomed.value
        // Message 0 is given back and still goes first.
        try await withConsumers(transport, consumers(1, of: topic, concurrency: 4)) { message in
            seen.withLock { $0.append((number(message), message.deliveryCount)) }
            return .ack
        } _: {
            try await eventually("the three handled") { seen.value.count >= 4 }
            try await eventually("everything acknowledged") { transport.snapshot(of: topic).isIdle }
        }
        #expect(seen.value.map(\.0) == [0, 0, 1, 2])
        #expect(seen.value.map(\.1) == [1, 2, 1, 1])
    }

    /// The group's rule for a retried message, step by step: it comes back behind the messages published before
    /// its delay ended — an unread one of its key, one parked behind its key — while a message given back keeps
    /// its place. (`TransportGuaranteeTests` shows the same order on both transports, end to end.)
    @Test func aRetriedMessageComesBackBehindWhatWasPublishedBeforeAndAGivenBackOneKeepsItsPlace() {
        let topic = Topic("engine", keyed: true)
        let keys = ["K", "K", "L", "K"]
        var log: [UInt64: StoredMessage] = [:]
        for (index, key) in keys.enumerated() {
            let sequence = UInt64(index + 1)
            log[sequence] = StoredMessage(sequence: sequence, key: key, payload: [], publishedAt: Date())
        }
        var group = InMemoryGroup(topic: topic, cursor: 1)
        func take(_ limit: Int) -> [[UInt64]] {
            group.take(upTo: limit, keyBatchSize: 1, log: log, logEnd: 5, maxDeliveries: 10).delivered.map {
                $0.map(\.message.sequence)
            }
        }
        #expect(take(1) == [[1]])
        // 1 is retried: its key is released, and it comes back (delay over) with 2, 3 and 4 published before.
        let retried = group.settle([1], keyBatchSize: 1)
        group.requeue(retried[0], logEnd: 5)
        #expect(take(10) == [[2], [3]], "2 takes the free key; 4 and the returning 1 park behind it, in that order")
        #expect(group.parked["K"]?.map(\.message.sequence) == [4, 1])
        _ = group.settle([2], keyBatchSize: 1)
        #expect(take(10) == [[4]])
        _ = group.settle([4], keyBatchSize: 1)
        let again = take(10)
        #expect(again == [[1]] && group.inFlight[1]?.deliveries == 2, "1 last, on its second delivery")
        // Given back unacknowledged (its consumer stopped), a message keeps its place before later ones of its key.
        var other = InMemoryGroup(topic: topic, cursor: 1)
        _ = other.take(upTo: 1, keyBatchSize: 1, log: log, logEnd: 5, maxDeliveries: 10)
        _ = other.take(upTo: 10, keyBatchSize: 1, log: log, logEnd: 5, maxDeliveries: 10)
        other.giveBack([1], keyBatchSize: 1)
        #expect(other.ready.map { $0.map(\.message.sequence) } == [[1]], "1 is handed its key again, first")
        #expect(other.parked["K"]?.map(\.message.sequence) == [2, 4])
    }
}
