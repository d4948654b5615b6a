import Foundation
import Testing

@testable import InfiniticTransport

/// Consumer groups: exclusive consumption, independent groups, retention.
@Suite(.timeLimit(.minutes(1))) struct InMemoryConsumptionTests {
    @Test func eachMessageGoesToExactlyOneConsumerOfTheGroup() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("tasks")
        let total = 2_000
        let handled = Locked([Int: Int]())
        // Half before the consumers start, half while they run.
        try await transport.publish(messages(0..<(total / 2), to: topic))
        let subscriptions = consumers(4, of: topic, concurrency: 8)
        try await withConsumers(transport, subscriptions) { message in
            handled.withLock { $0[number(message), default: 0] += 1 }
            await Task.yield()
            return .ack
        } _: {
            for start in stride(from: total / 2, to: total, by: 100) {
                try await transport.publish(messages(start..<(start + 100), to: topic))
            }
            try await eventually("all messages handled") { handled.value.count == total }
            try await eventually("everything acknowledged") { transport.snapshot(of: topic).isIdle }
        }
        let counts = handled.value
        #expect(counts.count == total)
        #expect(Set(counts.keys) == Set(0..<total))
        #expect(counts.values.allSatisfy { $0 == 1 }, "handled twice: \(counts.filter { $0.value > 1 }.keys.sorted())")
        // Acknowledged entries are dropped: nothing is left behind.
        let snapshot = transport.snapshot(of: topic)
        #expect(snapshot.stored == 0)
        #expect(
            snapshot.groups["g"] == InMemoryTopicSnapshot.Group(unread: 0, inFlight: 0, ready: 0, parked: 0, delayed: 0)
        )
    }

    @Test func everyGroupGetsEveryMessage() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("events", shared: true)
        let total = 500
        let handled = Locked([String: [Int: Int]]())
        try await transport.publish(messages(0..<(total / 2), to: topic))
        func handler(of group: String) -> MessageHandler {
            { message in
                if group == "b" {
                    // Group b acknowledges nothing before a subscribed (else its acknowledgements would
                    // trim entries a never saw), then is slower, so a acknowledges entries b has not read.
                    try await eventually("group a exists") { transport.snapshot(of: topic).groups["a"] != nil }
                    try await Task.sleep(for: .milliseconds(1))
                }
                handled.withLock { $0[group, default: [:]][number(message), default: 0] += 1 }
                return .ack
            }
        }
        // Group b subscribes first: a shared topic keeps entries for the groups that have subscribed.
        try await withConsumers(
            transport, consumers(2, of: topic, group: "b", concurrency: 4), handler: handler(of: "b")
        ) {
            try await eventually("group b exists") { transport.snapshot(of: topic).groups["b"] != nil }
            try await withConsumers(transport, consumers(2, of: topic, group: "a"), handler: handler(of: "a")) {
                try await transport.publish(messages((total / 2)..<total, to: topic))
                try await eventually("both groups handled everything") {
                    let counts = handled.value.values.map(\.count)
                    return counts == [total, total]
                }
                try await eventually("everything acknowledged") { transport.snapshot(of: topic).isIdle }
            }
        }
        for group in ["a", "b"] {
            let counts = handled.value[group] ?? [:]
            #expect(Set(counts.keys) == Set(0..<total), "group \(group)")
            #expect(counts.values.allSatisfy { $0 == 1 }, "group \(group) handled a message twice")
        }
        #expect(transport.snapshot(of: topic).stored == 0)
    }

    @Test func aGroupReadsMessagesPublishedBeforeItFirstConsumed() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("early")
        try await transport.publish(messages(0..<10, to: topic))
        #expect(transport.snapshot(of: topic).stored == 10)
        let handled = Locked([Int]())
        try await withConsumers(transport, consumers(1, of: topic, concurrency: 1)) { message in
            handled.withLock { $0.append(number(message)) }
            return .ack
        } _: {
            try await eventually("the ten messages") { handled.value.count >= 10 }
        }
        // One consumer with one slot sees them in publication order.
        #expect(handled.value == Array(0..<10))
    }

    @Test func aSharedTopicKeepsMessagesUntilEverySubscribedGroupAcknowledged() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("shared", shared: true)
        let gate = Gate()
        let handledByA = Locked(0)
        let handledByB = Locked(0)
        try await transport.publish(messages(0..<20, to: topic))
        let slowB = Subscription(topic: topic, group: "b", concurrency: 1)
        let fastA = Subscription(topic: topic, group: "a", concurrency: 4)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Group b subscribes first and holds one message until the gate opens.
            group.addTask {
                try await transport.consume(slowB) { _ in
                    try await gate.wait()
                    handledByB.withLock { $0 += 1 }
                    return .ack
                }
            }
            try await eventually("b holds a message") { transport.snapshot(of: topic).groups["b"]?.inFlight == 1 }
            group.addTask {
                try await transport.consume(fastA) { _ in
                    handledByA.withLock { $0 += 1 }
                    return .ack
                }
            }
            try await eventually("a acknowledged everything") {
                handledByA.value == 20 && transport.snapshot(of: topic).groups["a"]?.pending == 0
            }
            // Every entry is still stored: b has acknowledged none of them.
            #expect(transport.snapshot(of: topic).stored == 20)
            gate.open()
            try await eventually("b acknowledged everything") { handledByB.value == 20 }
            try await eventually("the topic is trimmed") { transport.snapshot(of: topic).stored == 0 }
            group.cancelAll()
        }
        #expect(transport.snapshot(of: topic).isIdle)
    }

    @Test func anUnsharedTopicDeletesAMessageWhenItIsAcknowledged() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("unshared")
        try await transport.publish(messages(0..<50, to: topic))
        let gate = Gate()
        let handled = Locked(0)
        try await withConsumers(transport, consumers(1, of: topic, concurrency: 1)) { message in
            if number(message) == 10 { try await gate.wait() }
            handled.withLock { $0 += 1 }
            return .ack
        } _: {
            try await eventually("ten acknowledged") { transport.snapshot(of: topic).stored == 40 }
            #expect(handled.value == 10)
            gate.open()
            try await eventually("all deleted") { transport.snapshot(of: topic).stored == 0 }
        }
        #expect(handled.value == 50)
    }

    @Test func anUnsharedTopicDeletesOnTheFirstAcknowledgementEvenWithSeveralGroups() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("not-shared")
        let gate = Gate()
        let handledByB = Locked([Int]())
        try await transport.publish(messages(0..<5, to: topic))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await transport.consume(Subscription(topic: topic, group: "b", concurrency: 1)) { message in
                    try await gate.wait()
                    handledByB.withLock { $0.append(number(message)) }
                    return .ack
                }
            }
            try await eventually("b holds a message") { transport.snapshot(of: topic).groups["b"]?.inFlight == 1 }
            group.addTask {
                try await transport.consume(Subscription(topic: topic, group: "a")) { _ in .ack }
            }
            // Group a's acknowledgements delete the entries although b has not read them all.
            try await eventually("a acknowledged and deleted everything") {
                transport.snapshot(of: topic).stored == 0
            }
            gate.open()
            try await eventually("b handled what it held") { handledByB.value == [0] }
            group.cancelAll()
        }
        #expect(handledByB.value == [0])
    }

    @Test func consumeHonoursTheConcurrencyLimit() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("limited")
        let running = Locked((now: 0, max: 0, done: 0))
        try await transport.publish(messages(0..<30, to: topic))
        try await withConsumers(transport, consumers(1, of: topic, concurrency: 3)) { _ in
            running.withLock {
                $0.now += 1
                $0.max = max($0.max, $0.now)
            }
            try await Task.sleep(for: .milliseconds(10))
            running.withLock {
                $0.now -= 1
                $0.done += 1
            }
            return .ack
        } _: {
            try await eventually("all handled") { running.value.done == 30 }
        }
        #expect(running.value.max <= 3)
        #expect(running.value.max >= 2, "handlers never ran concurrently")
    }
}
