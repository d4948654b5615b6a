import Foundation
import Infinitic
import TestSupport
import Testing

/// Delegated tasks on every transport: the task waits until another client completes it; unknown ids and
/// wrong result types are typed errors; a second completion changes nothing.
@Suite(.timeLimit(.minutes(1))) struct DelegatedTaskRuntimeTests {
    @Test(arguments: TransportKind.allCases) func completedBySecondClient(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let switches = Switches()
            try await system.withRepairWorker(switches) {
                let client = system.client
                let document = RuntimeSystem.uniqueKey("contract")
                let handle = try await client.dispatch { try await client.workflow(RepairsStub.self).review(document) }
                try await eventually("the delegated task ran") { switches.taskId(document) != nil }
                let taskId = try #require(switches.taskId(document))
                try await eventually("the service tag engine keeps who waits") {
                    try await system.transport.read(Topics.delegatedTask("Fragile", taskId: taskId)) != nil
                }
                // The method's return value was ignored: the workflow still waits.
                await #expect(throws: InfiniticError.self) { _ = try await handle.result(timeout: .milliseconds(300)) }
                try await system.withClient { reviewer in
                    await #expect(throws: TaskUnknownError.self) {
                        try await reviewer.completeDelegatedTask(
                            FragileStub.self, taskId: "no-such-task", result: "yes")
                    }
                    await #expect(throws: DelegatedResultTypeError.self) {
                        try await reviewer.completeDelegatedTask(FragileStub.self, taskId: taskId, result: 42)
                    }
                    try await reviewer.completeDelegatedTask(FragileStub.self, taskId: taskId, result: "approved")
                    // Idempotent: a second completion is accepted and changes nothing.
                    try await reviewer.completeDelegatedTask(FragileStub.self, taskId: taskId, result: "rejected")
                }
                #expect(try await handle.result(timeout: .seconds(30)) == "\(document): approved")
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func completedBeforeTheMethodReturns(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let switches = Switches()
            try await system.withRepairWorker(switches) {
                let client = system.client
                let document = RuntimeSystem.uniqueKey("slow-contract")
                let handle = try await client.dispatch { try await client.workflow(RepairsStub.self).review(document) }
                try await eventually("the delegated task ran") { switches.taskId(document) != nil }
                // The reviewer answers while the method that handed the task id out still runs: the task was
                // registered before the method started, so the completion is not refused as unknown.
                try await client.completeDelegatedTask(
                    FragileStub.self, taskId: try #require(switches.taskId(document)), result: "at once")
                switches.flip(document)
                #expect(try await handle.result(timeout: .seconds(30)) == "\(document): at once")
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func aFailedAttemptNoLongerWaits(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let switches = Switches()
            try await system.withRepairWorker(switches) {
                let client = system.client
                let document = RuntimeSystem.uniqueKey("broken-contract")
                let handle = try await client.dispatch { try await client.workflow(RepairsStub.self).review(document) }
                await #expect(throws: WorkflowFailedError.self) { _ = try await handle.result(timeout: .seconds(30)) }
                let taskId = try #require(switches.taskId(document))
                try await eventually("the failed attempt's registration is gone") {
                    try await system.transport.read(Topics.delegatedTask("Fragile", taskId: taskId)) == nil
                }
                await #expect(throws: TaskUnknownError.self) {
                    try await client.completeDelegatedTask(FragileStub.self, taskId: taskId, result: "late")
                }
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func aCompletionStandsWhenTheMethodThenFails(
        _ kind: TransportKind
    )
        async throws
    {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let switches = Switches()
            try await system.withRepairWorker(switches) {
                let client = system.client
                let document = RuntimeSystem.uniqueKey("slow-broken-contract")
                let handle = try await client.dispatch { try await client.workflow(RepairsStub.self).review(document) }
                try await eventually("the delegated task ran") { switches.taskId(document) != nil }
                // Completed while the method runs; the method then throws: the workflow gets the completion. (The
                // service tag engine drops the failure that follows, so a retry policy would not run the task
                // again: `ServiceTests.aFailedDelegatedAttemptGoesOnUnlessTheTaskWasCompleted` proves that part;
                // Fragile has no retry policy, so here the late failure would be ignored either way.)
                try await client.completeDelegatedTask(
                    FragileStub.self, taskId: try #require(switches.taskId(document)), result: "done")
                switches.flip(document)
                #expect(try await handle.result(timeout: .seconds(30)) == "\(document): done")
            }
        }
    }
}
