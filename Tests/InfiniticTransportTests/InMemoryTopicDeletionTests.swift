import Foundation
import Testing

@testable import InfiniticTransport

@Suite(.timeLimit(.minutes(1))) struct InMemoryTopicDeletionTests {
    @Test func deletingATopicDropsItsMessagesAndGroupsButKeepsItsDeadLetters() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("responses")
        try await transport.publish(messages(0..<3, to: topic))
        try await transport.publish(OutgoingMessage(topic: topic, payload: bytes(9), delivery: .after(.seconds(3600))))
        let gate = Gate()
        try await withConsumers(transport, consumers(1, of: topic, concurrency: 1)) { message in
            if number(message) == 0 { return .deadLetter(reason: "unwanted") }
            try await gate.wait()
            return .ack
        } _: {
            try await eventually("a dead letter and a message in flight") {
                let snapshot = transport.snapshot(of: topic)
                return snapshot.deadLetters == 1 && snapshot.groups["g"]?.inFlight == 1
            }
        }
        try await transport.deleteTopic(topic)
        let snapshot = transport.snapshot(of: topic)
        #expect(snapshot.stored == 0)
        #expect(snapshot.scheduled == 0)
        #expect(snapshot.groups.isEmpty)
        let dead = try await transport.deadLetters(of: topic, limit: 10)
        #expect(dead.map(\.reason) == ["unwanted"])

        // The topic can be used again, from scratch, without reusing the ids the dead letters name.
        try await transport.publish(OutgoingMessage(topic: topic, payload: bytes(5)))
        let received = Locked([ReceivedMessage]())
        try await withConsumers(transport, consumers(1, of: topic)) { message in
            received.withLock { $0.append(message) }
            return .ack
        } _: {
            try await eventually("the new message") { !received.value.isEmpty }
            try await eventually("everything acknowledged") { transport.snapshot(of: topic).isIdle }
        }
        #expect(received.value.map(number) == [5])
        #expect(received.value.map(\.id) != dead.map(\.originalID))
    }

    @Test func aHandlerRunningWhenItsTopicIsDeletedStillCommits() async throws {
        let transport = InMemoryTransport()
        let topic = Topic("deleted-under-a-handler")
        let output = Topic("output")
        let key = StateKey("written")
        let gate = Gate()
        try await transport.publish(OutgoingMessage(topic: topic, payload: bytes(1)))
        try await withConsumers(transport, consumers(1, of: topic)) { _ in
            try await gate.wait()
            return .ack(
                Commit(
                    messages: [OutgoingMessage(topic: output, payload: [])],
                    writes: [StateWrite(key: key, operation: .put([1]))]))
        } _: {
            try await eventually("the message in flight") { transport.snapshot(of: topic).groups["g"]?.inFlight == 1 }
            try await transport.deleteTopic(topic)
            // A new incarnation of the topic, with the same group and sequence numbers, is not confused with it.
            try await transport.publish(OutgoingMessage(topic: topic, payload: bytes(2)))
            gate.open()
            try await eventually("the commit") { try await transport.read(key) != nil }
        }
        #expect(transport.snapshot(of: output).stored == 1)
        #expect(transport.snapshot(of: topic).stored == 1, "the new message was acknowledged by the old delivery")
    }
}
