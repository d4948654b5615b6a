import Foundation
import Infinitic
import Logging
import ServiceLifecycle
import TestSupport
import Testing

/// Workers survive poison messages and stop gracefully, on both transports.
@Suite(.timeLimit(.minutes(1))) struct ResilienceRuntimeTests {
    @Test(arguments: TransportKind.allCases) func poisonMessagesGoToDeadLettersAndTheWorkerGoesOn(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind) { system in
            let garbage = Array("this is not an envelope".utf8)
            let topics = [
                Topics.workflowEngine("Trips"), Topics.workflowExecutor("Trips"), Topics.workflowTag("Trips"),
                Topics.serviceExecutor("HotelBooking"), Topics.serviceTag("HotelBooking"),
                Topics.client(system.client.name),
            ]
            try await system.transport.publish(
                topics.map { OutgoingMessage(topic: $0, key: $0.isKeyed ? "poison" : nil, payload: garbage) })
            // A well-formed envelope published under the key of another instance than the one it names.
            let misrouted = WorkflowEngineEnvelope(
                messageId: UUID().uuidString, emitterName: "test", emittedAt: Date(),
                requester: .client(name: system.client.name),
                message: .waitMethod(
                    WaitMethod(workflowName: "Trips", workflowId: "instance-a", methodId: "instance-a")))
            let misroutedBytes = try system.client.configuration.codec.encode(misrouted)
            try await system.transport.publish(
                OutgoingMessage(topic: topics[0], key: "instance-b", payload: misroutedBytes))
            for topic in topics {
                let expected = topic == topics[0] ? 2 : 1
                try await eventually("\(topic) dead-letters its poison messages") {
                    try await system.transport.deadLetters(of: topic, limit: 10).count == expected
                }
            }
            let letters = try await system.transport.deadLetters(of: topics[0], limit: 10)
            let letter = try #require(letters.first { $0.payload == garbage })
            #expect(letter.reason.contains("undecodable"))
            let wrongKey = try #require(letters.first { $0.payload == misroutedBytes })
            #expect(wrongKey.key == "instance-b" && wrongKey.reason.contains("is not the workflow id"), "\(wrongKey)")
            let result = try await system.client.workflow(TripsStub.self).sequential("joe")
            #expect(result.map(\.reference) == ["H-joe-2", "F-joe"], "the worker keeps working")
        }
    }

    @Test(arguments: TransportKind.allCases) func gracefulShutdownDrainsInFlightWork(_ kind: TransportKind) async throws
    {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let key = RuntimeSystem.uniqueKey()
            let client = system.client
            let handle = try await client.dispatch { try await client.workflow(OpsStub.self).hold(key) }
            let worker = try system.makeWorker(name: "draining-worker")
            let group = ServiceGroup(services: [worker], logger: RuntimeSystem.logger)
            let stopped = Locked(false)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    try await group.run()
                    stopped.withLock { $0 = true }
                }
                try await eventually("the task runs") { system.controls.started(key) == 1 }
                await group.triggerGracefulShutdown()
                // The worker stops reading but waits for the running task.
                try await Task.sleep(for: .milliseconds(300))
                #expect(!stopped.value, "the worker waits for its in-flight task")
                system.controls.open(key)
                try await tasks.waitForAll()
            }
            #expect(stopped.value)
            // The task's result was committed before the worker stopped: a new worker finishes the workflow
            // without running the task again.
            let next = try system.makeWorker(name: "next-worker")
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await next.run() }
                let result = try await handle.result()
                tasks.cancelAll()
                #expect(result == "released \(key)")
            }
            #expect(system.controls.started(key) == 1, "the drained task is not run again")
        }
    }
}
