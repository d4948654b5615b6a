import Foundation
import Logging
import ServiceLifecycle
import TestSupport
import Testing

@testable import Infinitic

/// What a client does beyond a plain call: handles, instances by id and by tag, cancel, timeouts, closing,
/// concurrency — on both transports.
@Suite(.timeLimit(.minutes(1))) struct ClientRuntimeTests {
    @Test(arguments: TransportKind.allCases) func dispatchReturnsAHandle(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let trips = client.workflow(TripsStub.self)
            let handle = try await client.dispatch { try await trips.sequential("fay") }
            #expect(!handle.id.isEmpty && handle.methodId == handle.id && handle.workflowName == "Trips")
            let result = try await handle.result()
            #expect(result.map(\.reference) == ["H-fay-2", "F-fay"])
            #expect(try await handle.value == result, "the outcome is kept")
            let dispatched = try await client.dispatch { try await trips.fireAndForget("gus") }
            #expect(try await dispatched.value == "dispatched")
            let ops = client.workflow(OpsStub.self)
            let void: WorkflowHandle<Void> = try await client.dispatch { try await ops.touch("x") }
            try await void.value
        }
    }

    @Test(arguments: TransportKind.allCases) func awaitingAnEndedWorkflowById(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let handle = try await client.dispatch { try await client.workflow(TripsStub.self).sequential("hal") }
            _ = try await handle.result()
            try await eventually("the state is deleted") { try await !system.hasState("Trips", id: handle.id) }
            let late = client.handle(TripsStub.self, id: handle.id, resultType: [BookingResult].self)
            let error = try await #require(throws: WorkflowUnknownError.self) { try await late.result() }
            #expect(error.workflowId == handle.id && error.workflowName == "Trips")
            await #expect(throws: WorkflowUnknownError.self) {
                try await client.workflow(TripsStub.self, id: "no-such-instance").readNotes()
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func awaitingARunningWorkflowById(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let key = RuntimeSystem.uniqueKey()
            let client = system.client
            let handle = try await client.dispatch { try await client.workflow(OpsStub.self).hold(key) }
            let byId = client.handle(OpsStub.self, id: handle.id, resultType: String.self)
            let early = try await #require(throws: InfiniticError.self) {
                try await byId.result(timeout: .milliseconds(300))
            }
            #expect(early.code == .timedOut, "still running: the wait times out (\(early))")
            system.controls.open(key)
            #expect(try await byId.result() == "released \(key)")
            #expect(try await handle.result() == "released \(key)")
        }
    }

    @Test(arguments: TransportKind.allCases) func resultTimesOutThenArrives(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let key = RuntimeSystem.uniqueKey()
            let client = system.client
            let handle = try await client.dispatch { try await client.workflow(OpsStub.self).hold(key) }
            let error = try await #require(throws: InfiniticError.self) {
                try await handle.result(timeout: .milliseconds(200))
            }
            #expect(error.code == .timedOut)
            try await system.withClient(callTimeout: .milliseconds(200)) { impatient in
                let callError = try await #require(throws: InfiniticError.self) {
                    try await impatient.workflow(OpsStub.self).hold(key)
                }
                #expect(callError.code == .timedOut, "a synchronous call gives up after the client's call timeout")
            }
            system.controls.open(key)
            #expect(try await handle.result(timeout: .seconds(30)) == "released \(key)")
        }
    }

    @Test(arguments: TransportKind.allCases) func cancelById(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let key = RuntimeSystem.uniqueKey()
            let client = system.client
            let handle = try await client.dispatch { try await client.workflow(OpsStub.self).hold(key) }
            try await eventually("the task runs") { system.controls.started(key) == 1 }
            try await client.cancel(OpsStub.self, id: handle.id)
            let error = try await #require(throws: WorkflowCanceledError.self) { try await handle.result() }
            #expect(error.workflowId == handle.id)
            try await eventually("the state is deleted") { try await !system.hasState("Ops", id: handle.id) }
        }
    }

    @Test(arguments: TransportKind.allCases) func cancelByTagAndHandleCancel(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let key = RuntimeSystem.uniqueKey()
            let tag = RuntimeSystem.uniqueKey("batch")
            let client = system.client
            let tagged = client.workflow(OpsStub.self, tags: [tag])
            let first = try await client.dispatch { try await tagged.hold(key) }
            let second = try await client.dispatch { try await tagged.hold(key) }
            let other = try await client.dispatch { try await client.workflow(OpsStub.self).hold(key) }
            try await eventually("the tag knows both") {
                try await Set(client.workflowIds(OpsStub.self, tag: tag)) == [first.id, second.id]
            }
            try await client.cancel(OpsStub.self, tag: tag)
            await #expect(throws: WorkflowCanceledError.self) { try await first.result() }
            await #expect(throws: WorkflowCanceledError.self) { try await second.result() }
            // The untagged instance is untouched: still running, still waiting for its task.
            try await eventually("the tagged instances are gone") {
                let firstLeft = try await system.hasState("Ops", id: first.id)
                let secondLeft = try await system.hasState("Ops", id: second.id)
                return !firstLeft && !secondLeft
            }
            #expect(try await system.hasState("Ops", id: other.id), "the untagged instance still runs")
            let running = try await #require(throws: InfiniticError.self) {
                try await other.result(timeout: .milliseconds(200))
            }
            #expect(running.code == .timedOut, "the untagged instance has no outcome yet (\(running))")
            try await other.cancel()
            await #expect(throws: WorkflowCanceledError.self) { try await other.result() }
        }
    }

    @Test(arguments: TransportKind.allCases) func instancesByTag(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let key = RuntimeSystem.uniqueKey()
            let tag = RuntimeSystem.uniqueKey("customer")
            let client = system.client
            let tagged = client.workflow(OpsStub.self, tags: [tag], meta: ["origin": "test"])
            let first = try await client.dispatch { try await tagged.holdThenNotes(key) }
            let second = try await client.dispatch { try await tagged.holdThenNotes(key) }
            try await eventually("both instances are tagged") {
                try await Set(client.workflowIds(OpsStub.self, tag: tag)) == [first.id, second.id]
            }
            let byTag = client.workflow(OpsStub.self, tag: tag)
            try await client.dispatchByTag { try await byTag.note("to all") }
            for handle in [first, second] {
                let instance = client.workflow(OpsStub.self, id: handle.id)
                try await eventually("the note reached \(handle.id)") { try await instance.readNotes() == ["to all"] }
            }
            system.controls.open(key)
            #expect(try await first.result() == ["to all"])
            #expect(try await second.result() == ["to all"])
            try await eventually("the tag is cleaned up") {
                try await client.workflowIds(OpsStub.self, tag: tag).isEmpty
            }
            #expect(try await client.workflowIds(OpsStub.self, tag: "never-used").isEmpty)
        }
    }

    /// A second outcome of a method under another message id is dropped and counted (a redelivery of the same
    /// message is not): the client reports what it used to drop silently.
    @Test(arguments: TransportKind.allCases) func duplicateOutcomesAreCounted(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            // A client of its own (the system's client must see no duplicate: `RuntimeSystem.run` checks), whose
            // warnings are captured.
            let warnings = Locked<[String]>([])
            let logger = Logger(label: "duplicates") { _ in CapturingLogHandler(warnings: warnings) }
            try await withInfiniticClient(transport: system.transport, logger: logger) { client in
                try await countDuplicates(system, client)
            }
            let logged = warnings.value.filter { $0.contains("dropped a duplicate outcome") }
            #expect(logged.count == 2, "each duplicate outcome is logged as a warning: \(warnings.value)")
        }
    }

    private func countDuplicates(_ system: RuntimeSystem, _ client: InfiniticClient) async throws {
        let handle = try await client.dispatch { try await client.workflow(TripsStub.self).sequential("dup") }
        let result = try await handle.result()
        #expect(client.duplicateOutcomes == 0)
        let codec = client.configuration.codec
        func outcome(messageId: String) throws -> OutgoingMessage {
            let completed = MethodCompleted(
                workflowName: "Trips", workflowId: handle.id, methodId: handle.methodId,
                value: try codec.payload([BookingResult]()))
            let envelope = ClientEnvelope(
                messageId: messageId, emitterName: "rogue-engine", emittedAt: Date(), requester: nil,
                message: .methodCompleted(completed))
            return OutgoingMessage(topic: Topics.client(client.name), payload: try codec.encode(envelope))
        }
        // Each response is published once the one before was acknowledged, so that the count after each
        // is the count it caused.
        let topic = Topics.client(client.name)
        func deliver(_ message: OutgoingMessage) async throws {
            try await system.transport.publish([message])
            try await eventually("the client acknowledged it") { try await system.isDrained(topic) }
        }
        // Another message with the method's outcome: counted.
        let duplicateId = UUID().uuidString
        try await deliver(try outcome(messageId: duplicateId))
        #expect(client.duplicateOutcomes == 1)
        // The same message again (a redelivery): not counted.
        try await deliver(try outcome(messageId: duplicateId))
        #expect(client.duplicateOutcomes == 1, "a redelivery is no duplicate outcome")
        // An unknown answer (to a wait that came late) is no outcome: not counted.
        let unknown = ClientEnvelope(
            messageId: UUID().uuidString, emitterName: "engine", emittedAt: Date(), requester: nil,
            message: .methodUnknown(
                WorkflowUnknownError(workflowName: "Trips", workflowId: handle.id, methodId: handle.methodId)))
        try await deliver(OutgoingMessage(topic: topic, payload: try codec.encode(unknown)))
        #expect(client.duplicateOutcomes == 1, "an unknown answer is no outcome")
        // A third outcome: counted.
        try await deliver(try outcome(messageId: UUID().uuidString))
        #expect(client.duplicateOutcomes == 2)
        #expect(try await handle.value == result, "the first outcome stays")
    }

    @Test(arguments: TransportKind.allCases) func misuseGivesClearErrors(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let byTag = client.workflow(OpsStub.self, tag: "some-tag")
            let syncByTag = try await #require(throws: InfiniticError.self) { try await byTag.readNotes() }
            #expect(syncByTag.code == .invalidUsage && syncByTag.message.contains("dispatchByTag"))
            let noCall = try await #require(throws: InfiniticError.self) { try await client.dispatch { 42 } }
            #expect(noCall.code == .invalidUsage)
            let wrongDispatch = try await #require(throws: InfiniticError.self) {
                try await client.dispatch { try await byTag.readNotes() }
            }
            #expect(wrongDispatch.code == .invalidUsage)
            let wrongByTag = try await #require(throws: InfiniticError.self) {
                try await client.dispatchByTag { try await client.workflow(OpsStub.self).readNotes() }
            }
            #expect(wrongByTag.code == .invalidUsage)
        }
    }

    @Test(arguments: TransportKind.allCases) func manyConcurrentCallsFromOneClient(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let trips = system.client.workflow(TripsStub.self)
            let results = try await withThrowingTaskGroup(of: (Int, [BookingResult]).self) { group in
                for index in 0..<40 {
                    group.addTask { (index, try await trips.sequential("guest\(index)")) }
                }
                return try await group.reduce(into: [Int: [BookingResult]]()) { $0[$1.0] = $1.1 }
            }
            #expect(results.count == 40)
            for (index, result) in results {
                #expect(result.map(\.reference) == ["H-guest\(index)-2", "F-guest\(index)"])
            }
            #expect(system.client.router.waiterCount == 0, "no waiter is left behind")
        }
    }

    @Test(arguments: TransportKind.allCases) func closingFailsWaitersDeletesTheTopicAndIsIdempotent(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind) { system in
            let key = RuntimeSystem.uniqueKey()
            let client = try InfiniticClient(transport: system.transport, logger: RuntimeSystem.logger)
            try await withThrowingTaskGroup(of: Void.self) { running in
                running.addTask { try await client.run() }
                let handle = try await client.dispatch { try await client.workflow(OpsStub.self).hold(key) }
                try await eventually("the task runs") { system.controls.started(key) == 1 }
                try await eventually("the client reads its topic") {
                    try await system.topicExists(Topics.client(client.name))
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        let error = try await #require(throws: InfiniticError.self) { try await handle.result() }
                        #expect(error.code == .clientClosed)
                    }
                    await client.close()
                    try await group.waitForAll()
                }
                try await running.waitForAll()  // close() ends run()
            }
            await client.close()
            #expect(client.isClosed)
            #expect(try await !system.topicExists(Topics.client(client.name)), "the responses topic is deleted")
            let afterClose = try await #require(throws: InfiniticError.self) {
                try await client.workflow(TripsStub.self).sequential("ian")
            }
            #expect(afterClose.code == .clientClosed)
            try await client.run()  // returns at once: the client is closed
        }
    }

    @Test(arguments: TransportKind.allCases) func clientLifetimeIsScoped(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            // A call made before run() starts gets its answer once the client reads its topic.
            let client = try InfiniticClient(transport: system.transport, logger: RuntimeSystem.logger)
            let early = try await client.dispatch { try await client.workflow(TripsStub.self).sequential("jo") }
            try await withThrowingTaskGroup(of: Void.self) { running in
                running.addTask { try await client.run() }
                #expect(try await early.result().map(\.reference) == ["H-jo-2", "F-jo"])
                let twice = try await #require(throws: InfiniticError.self) { try await client.run() }
                #expect(twice.code == .invalidUsage)
                running.cancelAll()  // cancelling run() closes the client
                try await running.waitForAll()
            }
            #expect(client.isClosed)

            // withInfiniticClient closes its client after the body, also when the body throws.
            struct Boom: Error {}
            let scoped = Locked<InfiniticClient?>(nil)
            await #expect(throws: Boom.self) {
                try await system.withClient { client in
                    scoped.withLock { $0 = client }
                    #expect(try await client.workflow(TripsStub.self).sequential("kim").count == 2)
                    throw Boom()
                }
            }
            let closed = try #require(scoped.withLock { $0 })
            #expect(closed.isClosed)
            #expect(try await !system.topicExists(Topics.client(closed.name)))

            // In a ServiceGroup, the client stops (and closes) at the graceful shutdown.
            let member = try InfiniticClient(transport: system.transport, logger: RuntimeSystem.logger)
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: [.init(service: member)], logger: RuntimeSystem.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                #expect(try await member.workflow(TripsStub.self).sequential("lu").count == 2)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(member.isClosed)
        }
    }
}

/// Keeps the messages logged at warning level and above.
private struct CapturingLogHandler: LogHandler {
    let warnings: Locked<[String]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .warning

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        warnings.withLock { $0.append("\(event.message)") }
    }
}
