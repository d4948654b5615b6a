import Foundation
import Infinitic
import Testing

/// A tag engine step applies a batch of one tag's messages in order: a by-tag command sees the ids the batch's
/// earlier messages added or removed, though they are not stored yet.
@Suite struct TagEngineBatchTests {
    let codec = JSONPayloadCodec()
    let now = Date(timeIntervalSince1970: 1_900_000_000)

    func input(
        _ message: WorkflowTagMessage, _ index: Int, role: WorkflowTagEngineRole
    ) throws -> RoleInput<
        WorkflowTagEnvelope
    > {
        let envelope = Envelope(
            messageId: "m-\(index)", emitterName: "test", emittedAt: now, requester: nil, message: message)
        let received = ReceivedMessage(
            id: "1-\(index)", topic: role.topic, key: "t", payload: try codec.encode(envelope), deliveryCount: 1,
            publishedAt: now)
        return RoleInput(message: received, value: try role.decode(received))
    }

    @Test func aSignalByTagReachesAnInstanceTaggedEarlierInTheSameBatch() async throws {
        let role = WorkflowTagEngineRole(
            name: "Waits", engine: WorkflowTagEngine(emitterName: "tag-engine"), codec: codec)
        let change = { (id: String) in WorkflowTagChange(workflowName: "Waits", tag: "t", workflowId: id) }
        let signal = SendSignalByTag(
            workflowName: "Waits", tag: "t", channel: "approvals", signalId: "s", value: try codec.payload("one"))
        let inputs = try [
            input(.addTag(change("new")), 0, role: role),
            input(.removeTag(change("stored-gone")), 1, role: role),
            input(.sendSignalByTag(signal), 2, role: role),
        ]
        let disposition = try await RoleContext.withContext(
            store: StoredMembers(["stored", "stored-gone"]), now: { now }
        ) { context in
            try await role.step(inputs, context: context)
        }
        guard case .ack(let commit) = disposition.disposition else {
            Issue.record("expected an ack, got \(disposition.disposition)")
            return
        }
        let targets = try commit.messages.map { message -> String in
            let envelope = try codec.decode(WorkflowEngineEnvelope.self, from: message.payload)
            return envelope.message.workflowId
        }
        #expect(targets.sorted() == ["new", "stored"], "the signal goes to the tag's ids as the batch left them")
    }
}

/// A store whose every set holds `members`.
struct StoredMembers: StateReading {
    let members: Set<String>

    init(_ members: Set<String>) {
        self.members = members
    }

    func read(_ key: StateKey, fields: [String]?) async throws -> StateFields? { nil }
    func members(of key: StateKey) async throws -> Set<String> { members }
}
