import Foundation
import Infinitic
import TestSupport
import Testing

/// A workflow method's outcome stays retrievable by id for the worker's result retention after it ended, then
/// the instance's state is deleted.
@Suite(.timeLimit(.minutes(1))) struct RetentionRuntimeTests {
    @Test(arguments: TransportKind.allCases) func outcomesAreFetchedByIdDuringTheRetention(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind, resultRetention: .seconds(120)) { system in
            let client = system.client
            let key = RuntimeSystem.uniqueKey()
            let tag = RuntimeSystem.uniqueKey("customer")
            let held = try await client.dispatch { try await client.workflow(OpsStub.self, tags: [tag]).hold(key) }
            let stateKey = Topics.workflowState("Ops", workflowId: held.id)
            // A method of the running instance completes: its outcome stays, in a field of its own.
            let running = client.workflow(OpsStub.self, id: held.id)
            let noted = try await client.dispatch { try await running.note("a") }
            #expect(try await noted.result() == 1)
            try await eventually("the method left the state, its outcome is retained") {
                let fields = try await system.transport.read(stateKey, fields: nil)?.fields ?? [:]
                return fields["m:\(noted.methodId)"] == nil && fields["o:\(noted.methodId)"] != nil
            }
            let byId = client.handle(OpsStub.self, id: held.id, methodId: noted.methodId, resultType: Int.self)
            #expect(try await byId.result() == 1, "asked by id while the instance runs")

            system.controls.open(key)
            #expect(try await held.result() == "released \(key)")
            try await eventually("the instance ended: only retained outcomes are left") {
                let fields = try await system.transport.read(stateKey, fields: nil)?.fields ?? [:]
                return Set(fields.keys) == ["h", "o:\(held.id)", "o:\(noted.methodId)"]
            }
            try await eventually("its tags are removed") {
                try await system.transport.members(of: Topics.workflowTagIds("Ops", tag: tag)).isEmpty
            }
            // Another client, after the end, gets both outcomes by id.
            try await system.withClient { other in
                let main = other.handle(OpsStub.self, id: held.id, resultType: String.self)
                let mainResult = try await main.result()
                #expect(mainResult == "released \(key)")
                let note = other.handle(OpsStub.self, id: held.id, methodId: noted.methodId, resultType: Int.self)
                let noteResult = try await note.result()
                #expect(noteResult == 1)
                // A method that never ran is unknown; the ended instance runs no new method.
                let never = other.handle(OpsStub.self, id: held.id, methodId: "never", resultType: Int.self)
                await #expect(throws: WorkflowUnknownError.self) { try await never.result() }
                await #expect(throws: WorkflowUnknownError.self) {
                    try await other.workflow(OpsStub.self, id: held.id).readNotes()
                }
            }
            #expect(try await system.hasState("Ops", id: held.id), "still retained")
        }
    }

    @Test(arguments: TransportKind.allCases) func aCanceledOutcomeIsFetchedByIdDuringTheRetention(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind, resultRetention: .seconds(120)) { system in
            let client = system.client
            let key = RuntimeSystem.uniqueKey()
            let handle = try await client.dispatch { try await client.workflow(OpsStub.self).hold(key) }
            try await eventually("the task runs") { system.controls.started(key) == 1 }
            try await handle.cancel()
            await #expect(throws: WorkflowCanceledError.self) { try await handle.result() }
            let byId = client.handle(OpsStub.self, id: handle.id, resultType: String.self)
            let error = try await #require(throws: WorkflowCanceledError.self) { try await byId.result() }
            #expect(error.workflowId == handle.id)
        }
    }

    @Test(arguments: TransportKind.allCases) func afterTheRetentionTheStateIsDeletedAndTheMethodUnknown(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind, resultRetention: .seconds(1)) { system in
            let client = system.client
            let handle = try await client.dispatch { try await client.workflow(TripsStub.self).sequential("ida") }
            _ = try await handle.result()
            let stateKey = Topics.workflowState("Trips", workflowId: handle.id)
            try await eventually("the state is deleted when the retention is over") {
                try await !system.hasState("Trips", id: handle.id)
            }
            #expect(try await !system.redisKeysExist([stateKey], sets: []), "no key is left in Redis")
            let late = client.handle(TripsStub.self, id: handle.id, resultType: [BookingResult].self)
            let error = try await #require(throws: WorkflowUnknownError.self) { try await late.result() }
            #expect(error.workflowId == handle.id)
        }
    }
}
