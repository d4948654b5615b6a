import Foundation
import Infinitic
import TestSupport
import Testing

/// Retries from the client, on every transport: a failed method resumes where it failed once its task (or its
/// workflow task) is retried after a fix, then leaves the state; a failure the workflow caught stays final.
@Suite(.timeLimit(.minutes(1))) struct RetryRuntimeTests {
    /// The failure of a method, as its first waiter sees it.
    private func failure(of handle: WorkflowHandle<String>) async throws -> WorkflowFailedError {
        do {
            _ = try await handle.result(timeout: .seconds(30))
        } catch let error as WorkflowFailedError {
            return error
        }
        Issue.record("the method did not fail")
        throw CancellationError()
    }

    /// The value of a `Repairs` method once a retry sent by tag made it complete: the retry reaches the instance
    /// through the tag engine, so a wait sent before it gets the failure; each try asks anew, with a new handle
    /// (a handle keeps the outcome it received).
    private func outcomeAfterRetry(of workflowId: String, client: InfiniticClient) async throws -> String? {
        var result: String?
        try await eventually("the retried method completes") {
            do {
                result = try await client.handle(RepairsStub.self, id: workflowId, resultType: String.self)
                    .result(timeout: .seconds(5))
            } catch is WorkflowFailedError {}
            return result != nil
        }
        return result
    }

    @Test(arguments: TransportKind.allCases) func retryTaskById(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let switches = Switches()
            try await system.withRepairWorker(switches) {
                let client = system.client
                let key = RuntimeSystem.uniqueKey("fix")
                let handle = try await client.dispatch { try await client.workflow(RepairsStub.self).mend(key) }
                let error = try await failure(of: handle)
                guard case .taskFailed(let taskFailure) = error.cause else {
                    Issue.record("unexpected cause \(error.cause)")
                    return
                }
                #expect(try await system.hasState("Repairs", id: handle.id), "a failed method keeps its state")
                // Retrying before the fix fails again (the retry sequence goes up).
                try await client.retryTasks(RepairsStub.self, id: handle.id, .task(taskFailure.taskId))
                try await eventually("the first retry ran") { switches.attempts(key) == 2 }
                let again = client.handle(RepairsStub.self, id: handle.id, resultType: String.self)
                await #expect(throws: WorkflowFailedError.self) { try await again.result(timeout: .seconds(30)) }
                switches.flip(key)
                try await client.retryTasks(RepairsStub.self, id: handle.id, .task(taskFailure.taskId))
                let resumed = client.handle(RepairsStub.self, id: handle.id, resultType: String.self)
                #expect(
                    try await resumed.result(timeout: .seconds(30))
                        == "pong before; mended \(key) at retry 2; pong after")
                #expect(switches.attempts(key) == 3)
                try await eventually("the completed method left the state") {
                    try await !system.hasState("Repairs", id: handle.id)
                }
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func retryTasksByTagAndStatus(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let switches = Switches()
            try await system.withRepairWorker(switches) {
                let client = system.client
                let key = RuntimeSystem.uniqueKey("outage")
                let tag = RuntimeSystem.uniqueKey("batch")
                let stub = client.workflow(RepairsStub.self, tags: [tag])
                let first = try await client.dispatch { try await stub.mend(key) }
                let second = try await client.dispatch { try await stub.mend(key) }
                _ = try await failure(of: first)
                _ = try await failure(of: second)
                switches.flip(key)
                // Another service's or status's tasks are not picked.
                try await client.retryTasks(RepairsStub.self, tag: tag, .status(.timedOut))
                try await client.retryTasks(RepairsStub.self, tag: tag, .status(.failed, serviceName: "Other"))
                try await client.retryTasks(RepairsStub.self, tag: tag, .status(.failed, service: FragileStub.self))
                // The fan-out reaches the instances after any wait sent directly, which could find the failure
                // or, once they completed, nothing: a failed method keeps its state, a completed one leaves it.
                try await eventually("both states are deleted") {
                    let first = try await system.hasState("Repairs", id: first.id)
                    let second = try await system.hasState("Repairs", id: second.id)
                    return !first && !second
                }
                #expect(switches.attempts(key) == 4, "two attempts per instance: the failure and the retry")
                #expect(switches.retrySequences(key) == [0, 0, 1, 1])
                try await eventually("the tag is removed") {
                    try await client.workflowIds(RepairsStub.self, tag: tag).isEmpty
                }
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func retryInsideParallelBranches(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind, startWorker: false, resultRetention: .seconds(60)) { system in
            let switches = Switches()
            try await system.withRepairWorker(switches) {
                let client = system.client
                let key = RuntimeSystem.uniqueKey("beside")
                let tag = RuntimeSystem.uniqueKey("parallel")
                let handle = try await client.dispatch {
                    try await client.workflow(RepairsStub.self, tags: [tag]).mendBeside(key)
                }
                _ = try await failure(of: handle)
                switches.flip(key)
                try await client.retryTasks(RepairsStub.self, tag: tag, .status(.failed, service: FragileStub.self))
                #expect(
                    try await outcomeAfterRetry(of: handle.id, client: client)
                        == "mended \(key) at retry 1; pong beside")
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func caughtFailureStaysFinal(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let switches = Switches()
            try await system.withRepairWorker(switches) {
                let client = system.client
                let key = RuntimeSystem.uniqueKey("caught")
                let handle = try await client.dispatch {
                    try await client.workflow(RepairsStub.self).caughtThenFails(key)
                }
                _ = try await failure(of: handle)
                switches.flip(key)
                switches.flip("\(key)-caught")
                try await client.retryTasks(RepairsStub.self, id: handle.id)
                let resumed = client.handle(RepairsStub.self, id: handle.id, resultType: String.self)
                #expect(try await resumed.result(timeout: .seconds(30)) == "caught; mended \(key) at retry 1")
                #expect(switches.attempts("\(key)-caught") == 1, "the caught failure was not retried")
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func retryWorkflowTask(_ kind: TransportKind) async throws {
        // Outcomes are retained: a retried method may complete before the client asks for its outcome (a worker
        // that replays workflow tasks inline completes it in the step that applies the retry).
        try await RuntimeSystem.run(kind, startWorker: false, resultRetention: .seconds(60)) { system in
            let switches = Switches()
            try await system.withRepairWorker(switches) {
                let client = system.client
                let key = RuntimeSystem.uniqueKey("bug")
                let tag = RuntimeSystem.uniqueKey("buggy")
                let byId = try await client.dispatch { try await client.workflow(RepairsStub.self).brokenCode(key) }
                let byTag = try await client.dispatch {
                    try await client.workflow(RepairsStub.self, tags: [tag]).brokenCode(key)
                }
                for handle in [byId, byTag] {
                    let error = try await failure(of: handle)
                    guard case .workflowTaskFailed = error.cause else {
                        Issue.record("unexpected cause \(error.cause)")
                        return
                    }
                }
                // Retrying tasks does not touch a workflow task failure.
                try await client.retryTasks(RepairsStub.self, id: byId.id)
                let still = client.handle(RepairsStub.self, id: byId.id, resultType: String.self)
                await #expect(throws: WorkflowFailedError.self) { try await still.result(timeout: .seconds(30)) }
                switches.flip(key)
                try await client.retryWorkflowTask(RepairsStub.self, id: byId.id)
                let resumed = client.handle(RepairsStub.self, id: byId.id, resultType: String.self)
                #expect(try await resumed.result(timeout: .seconds(30)) == "pong \(key)")
                try await client.retryWorkflowTask(RepairsStub.self, tag: tag)
                #expect(try await outcomeAfterRetry(of: byTag.id, client: client) == "pong \(key)")
            }
        }
    }
}
