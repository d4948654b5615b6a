import Foundation
import Infinitic
import TestSupport
import Testing

/// Once a workflow ended, nothing of it stays: neither its state nor its tags (nor its tasks' tags).
@Suite(.timeLimit(.minutes(1))) struct CleanupRuntimeTests {
    @Test(arguments: TransportKind.allCases) func stateAndTagsAreDeletedAfterCompletion(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let tag = RuntimeSystem.uniqueKey("customer")
            let handle = try await client.dispatch {
                try await client.workflow(TripsStub.self, tags: [tag]).probe()
            }
            let stateKey = Topics.workflowState("Trips", workflowId: handle.id)
            let tagKey = Topics.workflowTagIds("Trips", tag: tag)
            let taskTagKey = Topics.serviceTagIds("Probe", tag: "probe-tag")
            try await eventually("the instance is tagged") {
                try await system.transport.members(of: tagKey) == [handle.id]
            }
            _ = try await handle.result()
            try await eventually("the state is deleted") { try await system.transport.read(stateKey) == nil }
            try await eventually("the tag set is emptied") { try await system.transport.members(of: tagKey).isEmpty }
            try await eventually("the task's tag set is emptied") {
                try await system.transport.members(of: taskTagKey).isEmpty
            }
            #expect(
                try await !system.redisKeysExist([stateKey], sets: [tagKey, taskTagKey]), "no key is left in Redis")
            #expect(try await client.workflowIds(TripsStub.self, tag: tag).isEmpty)
            #expect(try await client.taskIds(ProbeStub.self, tag: "probe-tag").isEmpty)
        }
    }

    @Test(arguments: TransportKind.allCases) func stateAndTagsAreDeletedAfterCancel(_ kind: TransportKind) async throws
    {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let key = RuntimeSystem.uniqueKey()
            let tag = RuntimeSystem.uniqueKey("customer")
            let handle = try await client.dispatch { try await client.workflow(OpsStub.self, tags: [tag]).hold(key) }
            let stateKey = Topics.workflowState("Ops", workflowId: handle.id)
            let tagKey = Topics.workflowTagIds("Ops", tag: tag)
            try await eventually("the task runs and the tag is set") {
                let tagged = try await system.transport.members(of: tagKey) == [handle.id]
                return tagged && system.controls.started(key) == 1
            }
            try await handle.cancel()
            await #expect(throws: WorkflowCanceledError.self) { try await handle.result() }
            try await eventually("the state is deleted") { try await system.transport.read(stateKey) == nil }
            try await eventually("the tag set is emptied") { try await system.transport.members(of: tagKey).isEmpty }
            #expect(try await !system.redisKeysExist([stateKey], sets: [tagKey]))
        }
    }
}
