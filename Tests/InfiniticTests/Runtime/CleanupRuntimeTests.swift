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
            let key = RuntimeSystem.uniqueKey()
            let tag = RuntimeSystem.uniqueKey("customer")
            // A workflow held on a gate, so that its tag can be seen before it completes.
            let held = try await client.dispatch { try await client.workflow(OpsStub.self, tags: [tag]).hold(key) }
            let heldState = Topics.workflowState("Ops", workflowId: held.id)
            let heldTag = Topics.workflowTagIds("Ops", tag: tag)
            try await eventually("the instance is tagged") {
                try await system.transport.members(of: heldTag) == [held.id]
            }
            #expect(try await system.transport.read(heldState) != nil)
            system.controls.open(key)
            _ = try await held.result()
            // A workflow whose task carries a tag too.
            let probe = try await client.dispatch { try await client.workflow(TripsStub.self, tags: [tag]).probe() }
            _ = try await probe.result()
            let probeState = Topics.workflowState("Trips", workflowId: probe.id)
            let probeTag = Topics.workflowTagIds("Trips", tag: tag)
            let taskTag = Topics.serviceTagIds("Probe", tag: "probe-tag")
            try await eventually("the states are deleted") {
                let held = try await system.transport.read(heldState)
                let probe = try await system.transport.read(probeState)
                return held == nil && probe == nil
            }
            for set in [heldTag, probeTag, taskTag] {
                try await eventually("\(set) is emptied") { try await system.transport.members(of: set).isEmpty }
            }
            #expect(
                try await !system.redisKeysExist([heldState, probeState], sets: [heldTag, probeTag, taskTag]),
                "no key is left in Redis")
            #expect(try await client.workflowIds(OpsStub.self, tag: tag).isEmpty)
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
