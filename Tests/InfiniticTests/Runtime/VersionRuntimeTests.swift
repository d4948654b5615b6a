import Foundation
import Infinitic
import TestSupport
import Testing

/// Workflow versions on every transport, across worker replacements: a running instance keeps replaying the
/// version it started with, a new one takes the highest, and an instance whose version no worker has fails its
/// workflow task until it is retried on a worker that has it.
@Suite(.timeLimit(.minutes(1))) struct VersionRuntimeTests {
    @Test(arguments: TransportKind.allCases) func runningInstancesKeepTheirVersionAndNewOnesTakeTheHighest(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let client = system.client
            let key = RuntimeSystem.uniqueKey("kept")
            // Deployed with version 1 only.
            let old = try await system.withVersionWorker([1], name: "worker-v1") {
                let handle = try await client.dispatch { try await client.workflow(VersionedStub.self).run(key) }
                try await eventually("the instance waits for its signal, on version 1") {
                    try await system.idleVersion(of: handle.id) == 1
                }
                return handle
            }
            // Replaced by a worker with versions 1 and 2.
            try await system.withVersionWorker([1, 2], name: "worker-v1-v2") {
                let new = try await client.dispatch { try await client.workflow(VersionedStub.self).run(key) }
                try await eventually("the new instance waits for its signal, on version 2") {
                    try await system.idleVersion(of: new.id) == 2
                }
                // A method dispatched on the running instance runs the instance's version.
                #expect(try await client.workflow(VersionedStub.self, id: old.id).version() == "v1 code sees version 1")
                for handle in [old, new] {
                    try await client.send("go", to: "go", of: VersionedStub.self, id: handle.id)
                }
                // Its task sees the instance's version; its child is a new instance, of the highest version.
                #expect(
                    try await old.result(timeout: .seconds(30))
                        == "v1 code \(key) go: instance version 1; task v1; v2 child sees version 2")
                #expect(
                    try await new.result(timeout: .seconds(30))
                        == "v2 code stamped \(key) go: instance version 2; task v2; v2 child sees version 2")
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func aVersionNoWorkerHasFailsTheWorkflowTaskUntilRetried(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let client = system.client
            let key = RuntimeSystem.uniqueKey("missing")
            let handle = try await system.withVersionWorker([1, 2], name: "worker-v2") {
                let handle = try await client.dispatch { try await client.workflow(VersionedStub.self).run(key) }
                try await eventually("the instance waits for its signal, on version 2") {
                    try await system.idleVersion(of: handle.id) == 2
                }
                return handle
            }
            // Rolled back to a worker without version 2: the instance's next workflow task fails.
            try await system.withVersionWorker([0, 1], name: "worker-v1") {
                try await client.send("go", to: "go", of: VersionedStub.self, id: handle.id)
                let error: WorkflowFailedError
                do {
                    _ = try await handle.result(timeout: .seconds(30))
                    Issue.record("the method did not fail")
                    return
                } catch let failed as WorkflowFailedError {
                    error = failed
                }
                guard case .workflowTaskFailed(let failure) = error.cause else {
                    Issue.record("unexpected cause \(error.cause)")
                    return
                }
                let unavailable = try failure.error.decodeProperties(
                    as: WorkflowVersionUnavailableError.self, codec: BinaryPayloadCodec())
                #expect(
                    unavailable
                        == WorkflowVersionUnavailableError(
                            workflowName: "Versioned", workflowId: handle.id, version: 2, availableVersions: [0, 1]))
                #expect(try await system.hasState("Versioned", id: handle.id), "the failed method keeps its state")
            }
            // A worker with version 2 again: retrying the workflow task completes the method.
            try await system.withVersionWorker([1, 2], name: "worker-v2-again") {
                try await client.retryWorkflowTask(VersionedStub.self, id: handle.id)
                let resumed = client.handle(VersionedStub.self, id: handle.id, resultType: String.self)
                #expect(
                    try await resumed.result(timeout: .seconds(30))
                        == "v2 code stamped \(key) go: instance version 2; task v2; v2 child sees version 2")
                try await eventually("the completed instance left the state") {
                    try await !system.hasState("Versioned", id: handle.id)
                }
            }
        }
    }
}

extension RuntimeSystem {
    /// Runs `body` with a worker registering the `versions` of `Versioned` (and the service it calls), stopped
    /// afterwards; it replays workflow tasks inline as this system's workers do.
    func withVersionWorker<T: Sendable>(
        _ versions: [Int], name: String, _ body: () async throws -> T
    ) async throws -> T {
        try await withWorker(
            name: name, services: [VersionFixtures.probe], workflows: versions.map(VersionFixtures.definition), body)
    }

    /// The version the instance `id` of `Versioned` recorded, once no workflow task runs for it (nil before).
    func idleVersion(of id: String) async throws -> Int? {
        let key = Topics.workflowState(VersionedStub.workflowName, workflowId: id)
        guard let stored = try await transport.read(key, fields: nil) else { return nil }
        let state = try WorkflowState(stored: stored, codec: BinaryPayloadCodec())
        guard state.workflowTaskIndex > 0, state.runningWorkflowTask == nil else { return nil }
        return state.header.workflowVersion
    }
}
