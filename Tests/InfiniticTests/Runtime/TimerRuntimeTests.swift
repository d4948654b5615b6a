import Foundation
import Infinitic
import InfiniticRedis
import TestSupport
import Testing

/// Timers end to end, on both transports: scheduled delivery, `or` with a signal, completion by a client.
@Suite(.timeLimit(.minutes(1))) struct TimerRuntimeTests {
    @Test(arguments: TransportKind.allCases) func sleepWaitsItsDuration(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let started = ContinuousClock.now
            let result = try await system.client.workflow(WaitsStub.self).nap(0.4)
            #expect(result == "woke")
            #expect(ContinuousClock.now - started >= .milliseconds(400), "the timer is not delivered early")
        }
    }

    @Test(arguments: TransportKind.allCases) func timerWinsOverAMissingSignal(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let result = try await system.client.workflow(WaitsStub.self).approval(0.3)
            #expect(result == "timed out")
        }
    }

    @Test(arguments: TransportKind.allCases) func signalWinsOverALongTimer(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let handle = try await client.dispatch { try await client.workflow(WaitsStub.self).approval(60) }
            try await waitForStep("receiving", of: handle.id, system)
            try await client.send("ada", to: "approvals", of: WaitsStub.self, id: handle.id)
            #expect(try await handle.result() == "approved by ada")
            try await eventually("the state is deleted (the pending timer does not hold it)") {
                try await !system.hasState("Waits", id: handle.id)
            }
        }
    }

    @Test(arguments: TransportKind.allCases) func completeTimersById(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let handle = try await client.dispatch { try await client.workflow(WaitsStub.self).nap(3600) }
            try await waitForStep("sleeping", of: handle.id, system)
            try await client.completeTimers(WaitsStub.self, id: handle.id, methodId: "another-method")
            try await client.completeTimers(WaitsStub.self, id: handle.id)
            #expect(try await handle.result(timeout: .seconds(20)) == "woke")
        }
    }

    @Test(arguments: TransportKind.allCases) func completeTimersByTag(_ kind: TransportKind) async throws {
        try await RuntimeSystem.run(kind) { system in
            let client = system.client
            let tag = RuntimeSystem.uniqueKey("sleepers")
            let stub = client.workflow(WaitsStub.self, tags: [tag])
            let first = try await client.dispatch { try await stub.nap(3600) }
            let second = try await client.dispatch { try await stub.nap(3600) }
            try await waitForStep("sleeping", of: first.id, system)
            try await waitForStep("sleeping", of: second.id, system)
            try await client.completeTimers(WaitsStub.self, tag: tag)
            #expect(try await first.result(timeout: .seconds(20)) == "woke")
            #expect(try await second.result(timeout: .seconds(20)) == "woke")
        }
    }
}

/// Polls the `step` method of a `Waits` instance until it reports `step`.
func waitForStep(_ step: String, of id: String, _ system: RuntimeSystem) async throws {
    let instance = system.client.workflow(WaitsStub.self, id: id)
    try await eventually("instance \(id) reached '\(step)'") { try await instance.step() == step }
}

/// A timer is a scheduled message stored in Redis: it survives the loss of every worker and a Redis restart.
@Suite(.timeLimit(.minutes(1))) struct TimerDurabilityTests {
    @Test func timerSurvivesWorkerStopAndRedisRestart() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stopAndRemoveData() }
        let namespace = TestRedis.uniqueNamespace()
        let started = ContinuousClock.now
        let id = try await RuntimeSystem.run(
            .redis, transport: try await TestRedis.transport(server: server, namespace: namespace)
        ) { system in
            let client = system.client
            let handle = try await client.dispatch { try await client.workflow(WaitsStub.self).nap(8) }
            try await waitForStep("sleeping", of: handle.id, system)
            return handle.id
        }
        // No worker runs meanwhile; SIGTERM flushes the AOF, the new process reloads it. The new client asks for the
        // outcome well before the timer is due (else it could find the instance ended and deleted).
        try await server.restart()
        let result = try await RuntimeSystem.run(
            .redis, transport: try await TestRedis.transport(server: server, namespace: namespace)
        ) { system in
            try await system.client.handle(WaitsStub.self, id: id, resultType: String.self).result()
        }
        #expect(result == "woke")
        #expect(ContinuousClock.now - started >= .seconds(8))
    }
}
