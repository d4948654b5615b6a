import Foundation
import Infinitic
import InfiniticRedis
import TestSupport
import Testing

/// Workflows run end to end through a real worker (all roles) and a real client, on both transports.
@Suite(.timeLimit(.minutes(1))) struct WorkflowRuntimeTests {
    @Test(arguments: TransportKind.allCases) func sequentialTasks(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let result = try await system.client.workflow(TripsStub.self).sequential("ada")
            #expect(
                result == [
                    BookingResult(provider: "hotel", reference: "H-ada-2"),
                    BookingResult(provider: "flight", reference: "F-ada"),
                ])
        }
    }

    @Test(arguments: TransportKind.allCases) func parallelTasksWithAnd(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let result = try await system.client.workflow(TripsStub.self).parallelAnd("bob")
            #expect(result == ["H-bob-1", "F-bob", "H-bob-1", "H-bob-3"], "declaration order")
        }
    }

    @Test(arguments: TransportKind.allCases) func parallelTasksWithOr(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let result = try await system.client.workflow(TripsStub.self).parallelOr("cy")
            #expect(["H-cy-1", "F-cy"].contains(result), "the first of the two to complete")
        }
    }

    @Test(arguments: TransportKind.allCases) func branchDispatchedOnTheSameWorkflow(_ kind: TransportKind) async throws
    {
        try await RuntimeSystem.run(kind) { system in
            let result = try await system.client.workflow(TripsStub.self).withNote("dee")
            #expect(result == ["start", "note of dee", "H-dee-1", "count 2"])
        }
    }

    @Test(arguments: TransportKind.allCases) func propertiesSharedByTwoMethods(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let key = RuntimeSystem.uniqueKey()
            let client = system.client
            let handle = try await client.dispatch { try await client.workflow(OpsStub.self).holdThenNotes(key) }
            let instance = client.workflow(OpsStub.self, id: handle.id)
            #expect(try await instance.note("first") == 1)
            #expect(try await instance.note("second") == 2)
            #expect(try await instance.readNotes() == ["first", "second"])
            system.controls.open(key)
            #expect(try await handle.result() == ["first", "second"], "the main method sees what the others wrote")
        }
    }

    @Test(arguments: TransportKind.allCases) func inlineResultsAreRecorded(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let values = try await system.client.workflow(TripsStub.self).inlineValues()
            #expect(values.count == 2 && values[0] != values[1])
            #expect(values.allSatisfy { UUID(uuidString: $0) != nil })
        }
    }

    @Test(arguments: TransportKind.allCases) func taskFailureCaughtByTheWorkflow(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let result = try await system.client.workflow(TripsStub.self).chargeCaught(900)
            #expect(result == "declined 900: over limit (PaymentService.charge)")
        }
    }

    @Test(arguments: TransportKind.allCases) func taskFailureNotCaughtReachesTheClient(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let handle = try await client.dispatch { try await client.workflow(TripsStub.self).chargeUncaught(700) }
            let error = try await #require(throws: WorkflowFailedError.self) { try await handle.result() }
            #expect(error.workflowName == "Trips" && error.methodName == "chargeUncaught")
            #expect(error.workflowId == handle.id && error.methodId == handle.id)
            guard case .taskFailed(let taskFailed) = error.cause else {
                Issue.record("expected a task failure as the cause, got \(error.cause)")
                return
            }
            #expect(taskFailed.serviceName == "PaymentService" && taskFailed.methodName == "charge")
            #expect(taskFailed.lastFailure.error.shortTypeName == "PaymentDeclined")
            let declined = try taskFailed.lastFailure.error.decodeProperties(as: PaymentDeclined.self)
            #expect(declined == PaymentDeclined(reason: "over limit", amount: 700))
            #expect(try await system.hasState("Trips", id: handle.id), "a failed method keeps its state")
            // A synchronous call throws the same typed error.
            await #expect(throws: WorkflowFailedError.self) {
                try await client.workflow(TripsStub.self).chargeUncaught(701)
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func retriedTaskSucceeds(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let result = try await system.client.workflow(TripsStub.self).flaky()
            #expect(result == "flaky after 2 retries")
        }
    }

    @Test(arguments: TransportKind.allCases) func taskContextReachesTheService(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let description = try await system.client.workflow(TripsStub.self).probe()
            #expect(description == "Probe describe Trips probe-tag trips retry 0/0 with workflow id")
        }
    }

    @Test(arguments: TransportKind.allCases) func executionTimeoutThenRetry(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let key = RuntimeSystem.uniqueKey()
            let result = try await system.client.workflow(OpsStub.self).nap(key)
            #expect(result == "nap \(key) on attempt 1", "the first attempt timed out, the retry succeeded")
            #expect(system.controls.started(key) == 2)
        }
    }

    @Test(arguments: TransportKind.allCases) func executionTimeoutOfCodeIgnoringCancellation(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind) { system in
            let key = RuntimeSystem.uniqueKey()
            // The first attempt never returns until the gate opens (after the result came back).
            let result = try await system.client.workflow(OpsStub.self).stubborn(key)
            #expect(result == "stubborn \(key) on attempt 1")
            #expect(system.controls.started(key) == 2)
        }
    }

    @Test(arguments: TransportKind.allCases) func workflowCodeEscapingTheReplayFailsAtOnce(
        _ kind: TransportKind
    ) async throws {
        // A long workflow task timeout, so that "at once" stays far from it on a loaded machine.
        let timeout = Duration.seconds(60)
        try await RuntimeSystem.run(kind, workflowTaskTimeout: timeout) { system in
            let client = system.client
            let started = ContinuousClock.now
            let failed = try await failedWorkflowTask { try await client.workflow(OpsStub.self).misbehave() }
            #expect(failed.methodName == "misbehave")
            let escape = try failed.error.decodeProperties(as: WorkflowEscapeError.self)
            #expect(escape.kind == .suspension)
            #expect(
                started.duration(to: .now) < timeout / 2, "reported at once, not at the workflow task timeout")
            let result = try await client.workflow(TripsStub.self).sequential("liz")
            #expect(result.map(\.reference) == ["H-liz-2", "F-liz"], "the executor goes on")
        }
    }

    @Test(arguments: TransportKind.allCases) func workflowCodeWaitingPastCancellationTimesOut(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let failed = try await failedWorkflowTask { try await client.workflow(OpsStub.self).stall() }
            #expect(failed.methodName == "stall")
            #expect(failed.error.shortTypeName == "WorkflowTaskTimeoutError")
            let result = try await client.workflow(TripsStub.self).sequential("max")
            #expect(result.map(\.reference) == ["H-max-2", "F-max"], "the executor goes on")
        }
    }

    /// The failed workflow task that `call` fails with.
    private func failedWorkflowTask(
        _ call: () async throws -> String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> WorkflowTaskFailedError {
        let error = try await #require(throws: WorkflowFailedError.self, sourceLocation: sourceLocation) {
            try await call()
        }
        guard case .workflowTaskFailed(let failed) = error.cause else {
            Issue.record("expected a failed workflow task, got \(error.cause)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return failed
    }
}

/// Two workers run the state engine of one workflow: an instance's steps go to either, so each engine's kept state
/// (`WorkflowStateCache`) is often not what the store holds any more (the other wrote since). Nothing is lost either
/// way: a step started from a stale kept state would also be caught by its commit's version check and run again, so
/// this proves the whole path end to end; that a stale kept state is not used at all is proven by
/// `WorkflowStateCacheStepTests`.
@Suite("Two state engines")
struct TwoStateEngineTests {
    @Test func anInstanceWhoseStepsAlternateBetweenTwoEnginesLosesNothing() async throws {
        try await RuntimeSystem.run(.redis) { system in
            let key = RuntimeSystem.uniqueKey()
            let client = system.client
            try await system.withWorker(
                name: "second-engine", services: RuntimeFixtures.services(system.controls),
                workflows: RuntimeFixtures.workflows
            ) {
                let handle = try await client.dispatch { try await client.workflow(OpsStub.self).holdThenNotes(key) }
                let instance = client.workflow(OpsStub.self, id: handle.id)
                // The consumer that wrote the instance's state last (bookkeeping of the Redis transport).
                let redis = try #require(system.transport as? RedisStreamsTransport)
                let stateKey = redis.configuration.keyspace.state(
                    Topics.workflowState("Ops", workflowId: handle.id))
                var writers: Set<String> = []
                var expected: [String] = []
                for round in 0..<20 {
                    // Five methods at once, then one at a time: batches and single steps, on either engine.
                    let texts = (0..<5).map { "r\(round)-\($0)" }
                    try await withThrowingTaskGroup(of: Int.self) { group in
                        for text in texts { group.addTask { try await instance.note(text) } }
                        var counts: [Int] = []
                        for try await count in group { counts.append(count) }
                        #expect(Set(counts) == Set((expected.count + 1)...(expected.count + 5)), "\(counts)")
                    }
                    expected += texts
                    let notes = try await instance.readNotes()
                    #expect(notes.count == expected.count && Set(notes) == Set(expected), "round \(round): \(notes)")
                    let writer = try await redis.client.send(HMGET(stateKey, fields: ["w"]))
                    if let name = writer.first ?? nil { writers.insert(String(decoding: name, as: UTF8.self)) }
                }
                #expect(writers.count == 2, "both engines wrote the instance's state: \(writers)")
                system.controls.open(key)
                let final = try await handle.result()
                #expect(final.count == 100 && Set(final) == Set(expected))
            }
        }
    }
}
