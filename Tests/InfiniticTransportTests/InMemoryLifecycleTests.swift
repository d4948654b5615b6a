import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import InfiniticTransport

/// How `consume` ends: on cancellation, and on a graceful shutdown of the service lifecycle.
@Suite(.timeLimit(.minutes(1))) struct InMemoryLifecycleTests {
    @Test func cancellingAnIdleConsumerReturnsPromptly() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("idle")
        let consumer = Task {
            try await transport.consume(Subscription(topic: topic, group: "g")) { _ in .ack }
        }
        try await eventually("the group exists") { transport.snapshot(of: topic).groups["g"] != nil }
        let clock = ContinuousClock()
        let started = clock.now
        consumer.cancel()
        try await consumer.value
        #expect(clock.now - started < .seconds(5))  // generous: a loaded 2-core machine
    }

    @Test func cancellingABusyConsumerGivesItsMessagesToTheNextConsumer() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("busy")
        let firstRuns = Locked(0)
        try await transport.publish(messages(0..<3, to: topic))
        let consumer = Task {
            try await transport.consume(Subscription(topic: topic, group: "g", concurrency: 3)) { _ in
                firstRuns.withLock { $0 += 1 }
                try await Task.sleep(for: .seconds(60))
                return .ack
            }
        }
        try await eventually("three messages in flight") { firstRuns.value == 3 }
        let clock = ContinuousClock()
        let started = clock.now
        consumer.cancel()
        try await consumer.value
        #expect(clock.now - started < .seconds(5))  // generous: a loaded 2-core machine
        // Nothing was acknowledged; the messages are waiting for the group's next consumer.
        let afterCancel = transport.snapshot(of: topic)
        #expect(afterCancel.stored == 3)
        #expect(afterCancel.groups["g"]?.ready == 3)

        let redelivered = Locked([Int: Int]())
        try await withConsumers(transport, consumers(1, of: topic)) { message in
            redelivered.withLock { $0[number(message)] = message.deliveryCount }
            return .ack
        } _: {
            try await eventually("the three redelivered") { redelivered.value.count == 3 }
            try await eventually("everything acknowledged") { transport.snapshot(of: topic).isIdle }
        }
        #expect(redelivered.value == [0: 2, 1: 2, 2: 2])
    }

    @Test func aGracefulShutdownStopsTakingAndLetsRunningHandlersFinish() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("draining")
        struct Observed: Sendable {
            var handled: [Int] = []
            var sawShutdown = false
            var wasCancelled = false
        }
        let observed = Locked(Observed())
        let consumeReturned = Locked(false)
        try await transport.publish(messages(0..<2, to: topic))

        struct ConsumerService: Service {
            let transport: InMemoryTransport
            let topic: Topic
            let observed: Locked<Observed>
            let returned: Locked<Bool>

            func run() async throws {
                // One slot: message 1 waits while message 0 runs.
                try await transport.consume(Subscription(topic: topic, group: "g", concurrency: 1)) { message in
                    if number(message) == 0 {
                        // Still running when the shutdown begins, and keeps going a little after it.
                        try await eventually("the shutdown") { Task.isShuttingDownGracefully }
                        try await Task.sleep(for: .milliseconds(50))
                        observed.withLock { $0.sawShutdown = true }
                    }
                    observed.withLock {
                        $0.handled.append(number(message))
                        $0.wasCancelled = $0.wasCancelled || Task.isCancelled
                    }
                    return .ack
                }
                returned.withLock { $0 = true }
            }
        }

        let service = ConsumerService(
            transport: transport, topic: topic, observed: observed, returned: consumeReturned)
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await eventually("message 0 in flight") { transport.snapshot(of: topic).groups["g"]?.inFlight == 1 }
            await group.triggerGracefulShutdown()
            // Bounded, so a consumer that ignores the shutdown fails the test instead of hanging it.
            try await eventually("consume to return after the shutdown") { consumeReturned.value }
            try await tasks.waitForAll()
        }
        let result = observed.value
        #expect(consumeReturned.value)
        #expect(result.sawShutdown)
        #expect(!result.wasCancelled)
        #expect(result.handled == [0], "a message was taken after the shutdown began")
        // Message 0 was acknowledged; message 1 was never read and waits for the next consumer.
        let snapshot = transport.snapshot(of: topic)
        #expect(snapshot.stored == 1)
        #expect(snapshot.groups["g"]?.pending == 0)
        #expect(snapshot.groups["g"]?.unread == 1)
    }
}
