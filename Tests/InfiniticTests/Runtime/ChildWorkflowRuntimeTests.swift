import Foundation
import Infinitic
import TestSupport
import Testing

/// Child workflows and caller-side timeouts end to end, on both transports.
@Suite(.timeLimit(.minutes(1))) struct ChildWorkflowRuntimeTests {
    @Test(arguments: TransportKind.allCases) func factorialByRecursiveChildren(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let result = try await system.client.workflow(WaitsStub.self).factorial(14)
            #expect(result == 87_178_291_200)
        }
    }

    @Test(arguments: TransportKind.allCases) func childFailureNestsParentChildTask(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let error = try await #require(throws: WorkflowFailedError.self) {
                try await system.client.workflow(WaitsStub.self).parentOfFailure()
            }
            #expect(error.workflowName == "Waits" && error.methodName == "parentOfFailure")
            guard case .workflowFailed(let child) = error.cause else {
                Issue.record("expected the child's failure as the cause, got \(error.cause)")
                return
            }
            #expect(child.workflowName == "Trips" && child.methodName == "chargeUncaught")
            guard case .taskFailed(let task) = child.cause else {
                Issue.record("expected the task's failure as the child's cause, got \(child.cause)")
                return
            }
            #expect(task.serviceName == "PaymentService" && task.methodName == "charge")
        }
    }

    @Test(arguments: TransportKind.allCases) func cancelingAParentCancelsItsChild(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let key = RuntimeSystem.uniqueKey()
            let parent = try await client.dispatch { try await client.workflow(WaitsStub.self).parentOfHold(key) }
            try await waitForStep("waiting for the child", of: parent.id, system)
            let childId = try await client.workflow(WaitsStub.self, id: parent.id).childId()
            try await eventually("the child runs") { try await system.hasState("Ops", id: childId) }
            try await client.cancel(WaitsStub.self, id: parent.id)
            await #expect(throws: WorkflowCanceledError.self) { try await parent.result() }
            try await eventually("the child is canceled") { try await !system.hasState("Ops", id: childId) }
            try await eventually("the child's tag is removed") {
                try await client.workflowIds(OpsStub.self, tag: "child-of:\(parent.id)").isEmpty
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func callerSideTimeoutOfATask(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let key = RuntimeSystem.uniqueKey()
            let result = try await system.client.workflow(WaitsStub.self).holdWithTimeout(key, 0.3)
            #expect(result == "timed out hold timedOut")
            system.controls.open(key)
        }
    }

    @Test(arguments: TransportKind.allCases) func taskBeforeItsTimeout(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let key = RuntimeSystem.uniqueKey()
            system.controls.open(key)
            let result = try await system.client.workflow(WaitsStub.self).holdWithTimeout(key, 30)
            #expect(result == "released \(key) completed")
        }
    }

    /// A stub's method timeout (`OpsStub.methodTimeouts`): a client's call gives up after it instead of its call
    /// timeout, and the method goes on (its outcome reaches a later wait).
    @Test(arguments: TransportKind.allCases) func methodTimeoutForAClient(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let key = RuntimeSystem.uniqueKey()
            let started = ContinuousClock.now
            let error = try await #require(throws: InfiniticError.self) {
                try await client.workflow(OpsStub.self).holdWithDeadline(key)
            }
            #expect(error.code == .timedOut)
            #expect(started.duration(to: .now) < .seconds(20), "the method timeout, not the 45 s call timeout")
            try await eventually("the method runs on") { system.controls.started(key) == 1 }
            system.controls.open(key)
        }
    }

    /// The same method timeout for a parent workflow calling the method of a child.
    @Test(arguments: TransportKind.allCases) func methodTimeoutForAParent(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let key = RuntimeSystem.uniqueKey()
            let result = try await system.client.workflow(WaitsStub.self).childWithDeadline(key)
            #expect(result == "timed out holdWithDeadline timedOut")
            system.controls.open(key)
        }
    }
}
