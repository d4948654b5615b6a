import Foundation
import Infinitic
import InfiniticRedis
import TestSupport
import Testing

/// Work nobody serves is visible: a dispatch to a workflow no worker ever served fails fast (or, by
/// configuration, waits with a warning), and waiting for an outcome has a default timeout.
@Suite(.serialized, .timeLimit(.minutes(1))) struct UnservedWorkRuntimeTests {
    @Test(arguments: TransportKind.allCases) func aDispatchToAWorkflowNoWorkerServesFailsFast(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            try await withInfiniticClient(
                transport: system.transport, unservedWorkflows: .fail(after: .milliseconds(300)),
                logger: RuntimeSystem.logger
            ) { client in
                let started = ContinuousClock.now
                let error = try await #require(throws: InfiniticError.self) {
                    try await client.workflow(TripsStub.self).sequential("nobody")
                }
                #expect(error.code == .unserved)
                #expect(error.message.contains("Trips"), "\(error)")
                #expect(ContinuousClock.now - started < .seconds(2))
                // Once a worker serves it, the same call goes through.
                let worker = try system.makeWorker()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await worker.run() }
                    try await eventually("the worker registered") {
                        try await system.transport.hasSubscribers(Topics.workflowEngine("Trips")) == true
                    }
                    let result = try await client.workflow(TripsStub.self).sequential("served")
                    #expect(result.map(\.reference) == ["H-served-2", "F-served"])
                    group.cancelAll()
                }
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func byConfigurationADispatchWaitsForItsWorker(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            try await withInfiniticClient(
                transport: system.transport, unservedWorkflows: .warn, logger: RuntimeSystem.logger
            ) { client in
                let trips = client.workflow(TripsStub.self)
                let handle = try await client.dispatch { try await trips.sequential("later") }
                let worker = try system.makeWorker()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await worker.run() }
                    let result = try await handle.result()
                    #expect(result.map(\.reference) == ["H-later-2", "F-later"])
                    group.cancelAll()
                }
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func resultHasADefaultTimeout(_ kind: TransportKind) async throws {
        #expect(ClientConfiguration(transport: .inMemory(InMemoryTransport())).callTimeout == .seconds(300))
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            try await withInfiniticClient(
                transport: system.transport, callTimeout: .milliseconds(300), unservedWorkflows: .warn,
                logger: RuntimeSystem.logger
            ) { client in
                let trips = client.workflow(TripsStub.self)
                let handle = try await client.dispatch { try await trips.sequential("never") }
                let error = try await #require(throws: InfiniticError.self) { try await handle.result() }
                #expect(error.code == .timedOut)
            }
        }
    }
}
