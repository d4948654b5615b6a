import Foundation
import Infinitic
import InfiniticRedis
import TestSupport
import Testing

/// How workers are configured and stopped: roles split across workers, hard stops, configuration errors.
@Suite(.timeLimit(.minutes(1))) struct WorkerRuntimeTests {
    @Test(arguments: TransportKind.allCases) func rolesSplitAcrossWorkers(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            // One worker per kind of role, as a production fleet would run them.
            let workers = try [
                system.makeWorker(
                    name: "state-engines", roles: [.workflowStateEngine("Trips"), .workflowStateEngine("Ops")]),
                system.makeWorker(
                    name: "workflow-executors", roles: [.workflowExecutor("Trips"), .workflowExecutor("Ops")]),
                system.makeWorker(
                    name: "tag-engines",
                    roles: [.workflowTagEngine("Trips"), .workflowTagEngine("Ops"), .serviceTagEngine("Probe")]),
                system.makeWorker(
                    name: "service-executors",
                    roles: [.serviceExecutor("HotelBooking"), .serviceExecutor("Probe"), .serviceExecutor("Timing")]),
            ]
            let key = RuntimeSystem.uniqueKey()
            let tag = RuntimeSystem.uniqueKey("split")
            let client = system.client
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in workers {
                    group.addTask { try await worker.run() }
                }
                let held = try await client.dispatch { try await client.workflow(OpsStub.self, tags: [tag]).hold(key) }
                try await eventually("the tag engine indexed the instance") {
                    try await client.workflowIds(OpsStub.self, tag: tag) == [held.id]
                }
                system.controls.open(key)
                let released = try await held.result()
                let description = try await client.workflow(TripsStub.self).probe()
                let booked = try await client.workflow(TripsStub.self).withNote("kim")
                group.cancelAll()
                #expect(released == "released \(key)")
                #expect(description == "Probe describe Trips probe-tag trips retry 0/0 with workflow id")
                #expect(booked == ["start", "note of kim", "H-kim-1", "count 2"])
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func hardStopLeavesTheInterruptedTaskForRedelivery(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let key = RuntimeSystem.uniqueKey()
            let client = system.client
            let handle = try await client.dispatch { try await client.workflow(OpsStub.self).interruptible(key) }
            let first = try system.makeWorker(name: "stopped-worker")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await first.run() }
                try await eventually("the task runs") { system.controls.started(key) == 1 }
                group.cancelAll()
                try await group.waitForAll()
            }
            system.controls.open(key)
            let next = try system.makeWorker(name: "next-worker")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await next.run() }
                let result = try await handle.result()
                group.cancelAll()
                #expect(result == "interruptible \(key) on attempt 0", "the interruption was not recorded as a failure")
            }
            #expect(system.controls.started(key) == 2)
        }
    }

    @Test(arguments: TransportKind.allCases) func invalidConfigurationsAreRejected(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let transport = ExistingTransport(system.transport)
            let missingDefinition = try #require(throws: InfiniticError.self) {
                try InfiniticWorker(
                    configuration: WorkerConfiguration(transport: transport, roles: [.serviceExecutor("Nowhere")]))
            }
            #expect(missingDefinition.code == .invalidConfiguration)
            #expect(missingDefinition.message.contains("Nowhere"))
            #expect(throws: InfiniticError.self) {
                try InfiniticWorker(configuration: WorkerConfiguration(transport: transport))
            }
            let services = RuntimeFixtures.services(system.controls)
            #expect(throws: InfiniticError.self) {
                try InfiniticWorker(
                    configuration: WorkerConfiguration(transport: transport, services: [services[0], services[0]]))
            }
            // Engines only need the name: a state engine of a workflow not registered here is fine.
            _ = try InfiniticWorker(
                configuration: WorkerConfiguration(transport: transport, roles: [.workflowStateEngine("Elsewhere")]))
            #expect(throws: InfiniticError.self) { try InfiniticClient(transport: system.transport, name: "a|b") }
        }
    }

    @Test func unreachableRedisFailsAtStartWithAClearError() async throws {
        var configuration = try RedisStreamsConfiguration(url: "redis://127.0.0.1:1")
        configuration.startupRetryLimit = .milliseconds(500)
        let worker = try InfiniticWorker(
            configuration: WorkerConfiguration(
                transport: .redis(configuration), services: RuntimeFixtures.services(Controls())),
            logger: RuntimeSystem.logger)
        let workerError = try await #require(throws: TransportError.self) { try await worker.run() }
        #expect(workerError.code == .unavailable && workerError.message.contains("127.0.0.1:1"))
        let clientError = try await #require(throws: TransportError.self) {
            try await InfiniticClient(
                configuration: ClientConfiguration(transport: .redis(configuration)), logger: RuntimeSystem.logger)
        }
        #expect(clientError.code == .unavailable)
    }
}

/// The runtime on a Redis namespace split in several partitions (hash tags): engine commits publish to
/// other partitions, clients and tag engines read every partition.
@Suite(.timeLimit(.minutes(1))) struct PartitionedRuntimeTests {
    @Test func workflowsRunOnSeveralPartitions() async throws {
        let transport = try await TestRedis.transport(partitions: 4)
        try await RuntimeSystem.run(.redis, transport: transport) { system in
            let client = system.client
            let key = RuntimeSystem.uniqueKey()
            let tag = RuntimeSystem.uniqueKey("part")
            let trips = client.workflow(TripsStub.self)
            let results = try await withThrowingTaskGroup(of: [String].self) { group in
                for index in 0..<12 {
                    group.addTask { try await trips.parallelAnd("p\(index)") }
                }
                return try await group.reduce(into: [[String]]()) { $0.append($1) }
            }
            #expect(results.count == 12 && results.allSatisfy { $0.count == 4 })
            let held = try await (0..<4).asyncMap { _ in
                try await client.dispatch { try await client.workflow(OpsStub.self, tags: [tag]).holdThenNotes(key) }
            }
            try await eventually("every instance is tagged") {
                try await Set(client.workflowIds(OpsStub.self, tag: tag)) == Set(held.map(\.id))
            }
            let byTag = client.workflow(OpsStub.self, tag: tag)
            try await client.dispatchByTag { try await byTag.note("everywhere") }
            for handle in held {
                let instance = client.workflow(OpsStub.self, id: handle.id)
                try await eventually("the note reached \(handle.id)") {
                    try await instance.readNotes() == ["everywhere"]
                }
            }
            system.controls.open(key)
            for handle in held {
                #expect(try await handle.result() == ["everywhere"])
            }
        }
    }
}

extension Sequence {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var values: [T] = []
        for element in self { values.append(try await transform(element)) }
        return values
    }
}
