import Foundation
import Infinitic
import Logging
import TestSupport
import Testing

/// Failure paths of a real worker (its roles run by `RoleRunner` on the transport), on both transports.
@Suite(.timeLimit(.minutes(1))) struct FailurePathRuntimeTests {
    /// The state engine meets a state written by newer code: it retries the message (delivery 1, then 2), and
    /// with `maxDeliveries` 2 the message goes to the topic's dead letters with the reason and its delivery count;
    /// the state is left as it was, and the worker goes on with other instances.
    @Test(arguments: TransportKind.allCases) func aStateEngineMessageIsDeadLetteredAfterMaxDeliveries(
        _ kind: TransportKind
    ) async throws {
        let steps = StepLog()
        try await RuntimeSystem.run(kind, startWorker: false, interceptors: [steps]) { system in
            let id = RuntimeSystem.uniqueKey("newer")
            let key = Topics.workflowState("Trips", workflowId: id)
            var header = WorkflowStateHeader(
                workflowName: "Trips", workflowId: id, tags: [], meta: [:], createdAt: Date())
            header.schemaVersion = WorkflowStateHeader.currentSchemaVersion + 1
            let headerBytes = try system.client.configuration.codec.encode(header)
            try await system.commit([StateWrite(key: key, operation: .setFields(["h": headerBytes]))], partitionKey: id)
            let worker = try system.makeWorker(consumerSettings: ConsumerSettings(maxDeliveries: 2))
            try await withThrowingTaskGroup(of: Void.self) { running in
                running.addTask { try await worker.run() }
                let handle = try await system.client.dispatch {
                    try await system.client.workflow(TripsStub.self, id: id).sequential("late")
                }
                let engine = Topics.workflowEngine("Trips")
                try await eventually("the message is dead-lettered", timeout: .seconds(20)) {
                    try await !system.transport.deadLetters(of: engine, limit: 10).isEmpty
                }
                let letters = try await system.transport.deadLetters(of: engine, limit: 10)
                #expect(letters.count == 1)
                let letter = try #require(letters.first)
                #expect(letter.key == id && letter.deliveryCount == 2 && letter.group == "workflow-state-engine")
                #expect(letter.reason.contains("gave up after 2 deliveries") && letter.reason.contains("newer"))
                #expect(steps.deliveries(group: "workflow-state-engine", key: id) == [1, 2])
                let stored = try await system.transport.read(key, fields: nil)
                #expect(stored?.fields["h"] == headerBytes && stored?.version == 1, "the newer state is untouched")
                let timedOut = try await #require(throws: InfiniticError.self) {
                    try await handle.result(timeout: .milliseconds(100))
                }
                #expect(timedOut.code == .timedOut, "no answer for a dead-lettered dispatch")
                let other = try await system.client.workflow(TripsStub.self).sequential("next")
                #expect(other.map(\.reference) == ["H-next-2", "F-next"], "the worker goes on")
                running.cancelAll()
            }
        }
    }

    /// A client and a worker that do not share a codec: the worker cannot decode what the client sends and
    /// dead-letters it as undecodable (nothing is half-applied), and the client's call times out.
    @Test(arguments: TransportKind.allCases) func aClientWithAnotherCodecIsDeadLetteredAndTimesOut(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind) { system in
            let json = try InfiniticClient(
                transport: system.transport, callTimeout: .seconds(1), codec: JSONPayloadCodec(),
                logger: RuntimeSystem.logger)
            try await withThrowingTaskGroup(of: Void.self) { running in
                running.addTask { try await json.run() }
                let error = try await #require(throws: InfiniticError.self) {
                    try await json.workflow(TripsStub.self).sequential("mismatch")
                }
                #expect(error.code == .timedOut)
                let engine = Topics.workflowEngine("Trips")
                try await eventually("the dispatch is dead-lettered") {
                    try await !system.transport.deadLetters(of: engine, limit: 10).isEmpty
                }
                let letter = try #require(try await system.transport.deadLetters(of: engine, limit: 10).first)
                #expect(letter.reason.contains("undecodable") && letter.deliveryCount == 1)
                #expect(
                    try JSONPayloadCodec().decode(WorkflowEngineEnvelope.self, from: letter.payload).message
                        .workflowName == "Trips", "the dead letter keeps the client's JSON bytes")
                await json.close()
                running.cancelAll()
            }
            // The worker goes on with clients of its codec.
            #expect(try await system.client.workflow(TripsStub.self).sequential("same").count == 2)
        }
    }
}

/// Records the delivery counts of the messages each role step handles, by group and key.
final class StepLog: InfiniticInterceptor, Sendable {
    private let log = Locked<[String: [Int]]>([:])

    func step(_ input: RoleStep, next: () async throws -> BatchDisposition) async throws -> BatchDisposition {
        log.withLock { log in
            for message in input.messages {
                log["\(input.group)|\(message.key ?? "")", default: []].append(message.deliveryCount)
            }
        }
        return try await next()
    }

    func deliveries(group: String, key: String) -> [Int] { log.withLock { $0["\(group)|\(key)"] ?? [] } }
}
