import Foundation
import Infinitic
import InfiniticRedis
import Logging
import TestSupport
import Testing
import TripBooking

/// The event listener on the example saga: the exact events of a compensated trip, several listeners each
/// seeing everything, a late listener reading the retained events, a listener resuming after a crash, and a
/// failing listener that does not stop the engine.
@Suite("Event listener")
struct EventListenerTests {
    static let logger: Logger = {
        var logger = Logger(label: "event-listener-test")
        logger.logLevel = .critical
        return logger
    }()

    /// Collects events; can hang at a chosen batch (a crash in the middle of handling) or always throw.
    final class CollectingListener: InfiniticEventListener {
        let events = Recorder<CloudEvent>()
        let hangAtBatch: Int?
        let failing: Bool
        private let batches = Locked(0)

        init(hangAtBatch: Int? = nil, failing: Bool = false) {
            self.hangAtBatch = hangAtBatch
            self.failing = failing
        }

        func onEvents(_ events: [CloudEvent]) async throws {
            if failing { throw ListenerFailure() }
            let batch = batches.withLock { count in
                count += 1
                return count
            }
            if batch == hangAtBatch {
                try await Task.sleep(for: .seconds(3600))
            }
            for event in events { self.events.append(event) }
        }

        var batchCount: Int { batches.value }

        func types(of subject: String) -> [InfiniticEventType] {
            events.all.filter { $0.subject == subject }.compactMap(\.eventType)
        }
    }

    struct ListenerFailure: Error {}

    static func worker(
        _ transport: any Transport, listener: CollectingListener?, name: String = "audit", engine: Bool = true,
        visibilityTimeout: Duration = .seconds(30)
    ) throws -> InfiniticWorker {
        var configuration = WorkerConfiguration(
            transport: .existing(transport),
            services: engine ? TripBookingApp.services(hotels: Hotels(glitchRate: 0, latency: .zero)) : [],
            workflows: engine ? TripBookingApp.workflows : [],
            consumerSettings: ConsumerSettings(visibilityTimeout: visibilityTimeout),
            events: EventSettings(retainedEvents: 10_000, source: "infinitic/test"), eventListener: listener,
            eventListenerSettings: EventListenerSettings(name: name, attempts: 2, retryDelay: .milliseconds(10)))
        if !engine { configuration.roles = [.eventListener(name)] }
        return try InfiniticWorker(configuration: configuration, logger: logger)
    }

    /// Books trips `indices` and returns their workflow ids.
    static func book(_ client: InfiniticClient, _ indices: Range<Int>) async throws -> [Int: String] {
        var ids: [Int: String] = [:]
        for index in indices {
            let trip = SampleTrips.trip(index)
            let stub = client.workflow(BookTripStub.self, tags: ["customer:\(trip.customer)"])
            let handle = try await client.dispatch { try await stub.run(trip) }
            #expect(try await handle.result(timeout: .seconds(60)).outcome == SampleTrips.expectedOutcome(index))
            ids[index] = handle.id
        }
        return ids
    }

    @Test(arguments: TransportKind.allCases)
    func compensatedTripEmitsItsEventsInOrder(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let listener = CollectingListener()
        let worker = try Self.worker(transport, listener: listener)
        let client = try InfiniticClient(transport: transport, callTimeout: .seconds(60), logger: Self.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            group.addTask { try await client.run() }
            // Trip 4 is too expensive: the payment is declined and both bookings are canceled.
            let workflowId = try #require(try await Self.book(client, 4..<5)[4])
            try await eventually("the workflow's last event") {
                listener.types(of: workflowId).last == .workflowCompleted
            }
            #expect(
                listener.types(of: workflowId) == [
                    .workflowDispatched, .workflowExecutorDispatched,
                    .workflowExecutorCompleted, .workflowTaskDispatched, .workflowTaskDispatched,
                    .workflowTaskCompleted, .workflowTaskCompleted, .workflowExecutorDispatched,
                    .workflowExecutorCompleted, .workflowTaskDispatched,
                    .workflowTaskFailed, .workflowExecutorDispatched,
                    .workflowExecutorCompleted, .workflowTaskDispatched, .workflowTaskDispatched,
                    .workflowTaskCompleted, .workflowTaskCompleted, .workflowExecutorDispatched,
                    .workflowExecutorCompleted, .workflowMethodCompleted, .workflowCompleted,
                ])
            // Each task: started, then its outcome; the declined payment fails without retry.
            let tasks = listener.events.all.filter { $0.type.hasPrefix("infinitic.task.") }
            let byTask = Dictionary(grouping: tasks, by: \.subject)
            #expect(byTask.count == 5)
            let methods = byTask.values.map { events in
                "\(events[0].data["serviceName"] ?? "?").\(events[0].data["methodName"] ?? "?")"
                    + ":" + events.compactMap { $0.eventType.map { "\($0)" } }.joined(separator: ",")
            }.sorted()
            #expect(
                methods == [
                    "FlightService.book:taskStarted,taskCompleted", "FlightService.cancel:taskStarted,taskCompleted",
                    "HotelService.book:taskStarted,taskCompleted", "HotelService.cancel:taskStarted,taskCompleted",
                    "PaymentService.charge:taskStarted,taskFailed",
                ])
            for event in listener.events.all {
                #expect(event.specversion == "1.0")
                #expect(event.source.hasPrefix("infinitic/test/"))
                #expect(event.data["workflowId"] == workflowId)
            }
            #expect(Set(listener.events.all.map(\.id)).count == listener.events.count, "event ids are unique")
            group.cancelAll()
        }
        await client.close()
        (transport as? RedisStreamsTransport)?.close()
    }

    @Test
    func listenersEachSeeEverythingAndResumeAfterACrash() async throws {
        let transport = try await TestRedis.transport()
        // The engines run with a listener that always fails: the trips still complete.
        let failing = CollectingListener(failing: true)
        let engine = try Self.worker(transport, listener: failing, name: "failing")
        // The audit listener hangs at its 5th batch (a crash while handling it).
        let crashing = CollectingListener(hangAtBatch: 5)
        let client = try InfiniticClient(transport: transport, callTimeout: .seconds(60), logger: Self.logger)
        let ids = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await engine.run() }
            group.addTask { try await client.run() }
            let audit = try Self.worker(transport, listener: crashing, engine: false, visibilityTimeout: .seconds(1))
            let auditTask = Task { try await audit.run() }
            let ids = try await Self.book(client, 0..<5)
            try await eventually("the audit listener reaches its 5th batch") { crashing.batchCount >= 5 }
            auditTask.cancel()
            _ = await auditTask.result
            // Meanwhile more work: the listener is down.
            let more = try await Self.book(client, 5..<8)
            group.cancelAll()
            return ids.merging(more) { first, _ in first }
        }
        await client.close()

        // Restarted, the audit listener resumes (the batch it held comes back after the visibility timeout); a
        // new listener reads every retained event from the start.
        let resumed = CollectingListener()
        let late = CollectingListener()
        let audit = try Self.worker(transport, listener: resumed, engine: false, visibilityTimeout: .seconds(1))
        let newcomer = try Self.worker(transport, listener: late, name: "newcomer", engine: false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await audit.run() }
            group.addTask { try await newcomer.run() }
            let completed = Set(ids.values)
            func completions(_ listener: CollectingListener) -> Set<String> {
                Set(listener.events.all.filter { $0.eventType == .workflowCompleted }.map(\.subject))
            }
            try await eventually("the new listener sees every workflow complete") { completions(late) == completed }
            let everything = Set(late.events.all.map(\.id))
            try await eventually("the audit listener, before and after its crash, sees every event") {
                Set(crashing.events.all.map(\.id)).union(resumed.events.all.map(\.id)) == everything
            }
            // At least once: nothing seen before the crash is lost, the batch held during it comes again.
            #expect(!crashing.events.all.isEmpty && !resumed.events.all.isEmpty)
            group.cancelAll()
        }
        // The failing listener's batches went to the dead letters, the engine went on.
        let deadLetters = try await transport.deadLetters(of: EventSettings().topic, limit: 1000)
        #expect(!deadLetters.isEmpty)
        #expect(deadLetters.allSatisfy { $0.group == "event-listener:failing" })
        #expect(failing.events.all.isEmpty)
        transport.close()
    }

    /// Retention: the events topic keeps about its last `retainedEntries` entries, acknowledged or not, and a
    /// group created later reads what is kept from the oldest.
    @Test(arguments: TransportKind.allCases)
    func eventsTopicKeepsItsLastEntries(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let topic = Topics.events(retaining: 100)
        // One publication per message: a keyless publication goes to one partition (chosen by its id), so on a
        // cluster batches could leave a partition empty, and its share of the retention unused.
        for index in 0..<1000 {
            try await transport.publish(OutgoingMessage(topic: topic, payload: [UInt8]("\(index)".utf8)))
        }
        let seen = Recorder<Int>()
        try await whileConsuming(
            transport, Subscription(topic: topic, group: "late"),
            handler: { message in
                seen.append(Int(String(decoding: message.payload, as: UTF8.self)) ?? -1)
                return .ack
            }
        ) {
            // At least the retention, and the newest (on a cluster the partitions are read side by side: the newest
            // entry can come before the other partitions' entries).
            try await eventually("the late group reads the kept entries") {
                let all = seen.all
                return all.contains(999) && all.count >= 100
            }
        }
        let kept = seen.all.sorted()
        // In memory exactly 100; Redis trims whole nodes (`MAXLEN ~`), so a little more may stay.
        #expect(kept.count >= 100 && kept.count < 300, "kept \(kept.count)")
        if kind == .redisCluster {
            // Each partition keeps its share of the newest: not one contiguous run.
            #expect(kept.allSatisfy { $0 >= 1000 - 300 }, "only recent entries kept")
        } else {
            #expect(kept == Array(1000 - kept.count..<1000), "the newest entries, in order")
        }
        if kind == .memory { #expect(kept.count == 100) }
        (transport as? RedisStreamsTransport)?.close()
    }
}
