import Foundation
import Infinitic
import TestSupport
import Testing

/// Channels end to end, on both transports: discarding, buffering, filters, idempotency, workflows sending.
@Suite(.timeLimit(.minutes(1))) struct ChannelRuntimeTests {
    @Test(arguments: TransportKind.allCases) func earlySignalIsDiscardedAndTheLimitBuffersTwo(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let key = RuntimeSystem.uniqueKey()
            let handle = try await client.dispatch { try await client.workflow(WaitsStub.self).notesAfterGate(key) }
            try await eventually("the gate task started") { system.controls.started(key) == 1 }
            // No receive is recorded yet: discarded (the task's result, published after it, comes after it).
            try await client.send("early", to: "notes", of: WaitsStub.self, id: handle.id)
            system.controls.open(key)
            try await waitForStep("receiving", of: handle.id, system)
            for note in ["first", "second", "third"] {
                try await client.send(note, to: "notes", of: WaitsStub.self, id: handle.id)
            }
            #expect(
                try await handle.result() == ["first", "second", "second"],
                "two buffered, the third discarded, the last repeats")
        }
    }

    @Test(arguments: TransportKind.allCases) func filterRejectsThenAccepts(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let handle = try await client.dispatch { try await client.workflow(WaitsStub.self).bigApproval() }
            try await waitForStep("receiving", of: handle.id, system)
            try await client.send(Approval(by: "small", amount: 50), to: "approvals", of: WaitsStub.self, id: handle.id)
            try await client.send(Approval(by: "big", amount: 150), to: "approvals", of: WaitsStub.self, id: handle.id)
            #expect(try await handle.result() == "big approved 150")
        }
    }

    @Test(arguments: TransportKind.allCases) func aSignalIdIsAppliedOnce(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let key = RuntimeSystem.uniqueKey()
            let handle = try await client.dispatch { try await client.workflow(WaitsStub.self).notesAfterGate(key) }
            system.controls.open(key)
            try await waitForStep("receiving", of: handle.id, system)
            try await client.send("once", to: "notes", of: WaitsStub.self, id: handle.id, signalId: "s-1")
            try await client.send("once again", to: "notes", of: WaitsStub.self, id: handle.id, signalId: "s-1")
            try await client.send("next", to: "notes", of: WaitsStub.self, id: handle.id, signalId: "s-2")
            #expect(try await handle.result() == ["once", "next", "next"])
        }
    }

    @Test(arguments: TransportKind.allCases) func aWorkflowSendsASignal(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let key = RuntimeSystem.uniqueKey()
            let tag = RuntimeSystem.uniqueKey("relay")
            let receiver = try await client.dispatch { try await client.workflow(WaitsStub.self).notesAfterGate(key) }
            system.controls.open(key)
            try await waitForStep("receiving", of: receiver.id, system)
            let relay = try await client.dispatch {
                try await client.workflow(WaitsStub.self, tags: [tag]).relay(receiver.id)
            }
            try await waitForStep("receiving", of: relay.id, system)
            try await client.send("one", to: "approvals", of: WaitsStub.self, tag: tag)
            #expect(try await relay.result() == "one")
            try await client.send("two", to: "notes", of: WaitsStub.self, id: receiver.id)
            #expect(try await receiver.result() == ["relayed one", "two", "two"])
        }
    }
}
