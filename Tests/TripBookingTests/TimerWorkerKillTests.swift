import Foundation
import Infinitic
import Logging
import OrderApproval
import TestSupport
import Testing

@testable import InfiniticRedis

/// Timers held by no process: orders waiting for an approval until a deadline, in a real worker process that is
/// SIGKILLed once their deadline timers are stored, and started again only after the deadlines passed. Every
/// order expires once, no earlier than its deadline.
@Suite("Timers through a worker SIGKILL")
struct TimerWorkerKillTests {
    @Test(.timeLimit(.minutes(2)))
    func deadlinesFireAfterTheWorkerWasKilled() async throws {
        let server = try await TestRedis.server()
        let namespace = TestRedis.uniqueNamespace("timer-kill")
        let transport = try await TestRedis.transport(server: server, namespace: namespace)
        defer { transport.close() }
        let worker = try WorkerProcess(
            redisURL: server.url, namespace: namespace, effectsKey: nil, extraArguments: ["--order-approval"])
        defer { worker.stop() }
        var logger = Logger(label: "timer-kill-test")
        logger.logLevel = .error
        let deadline = 3.0
        let count = 20

        try await withInfiniticClient(transport: transport, callTimeout: .seconds(90), logger: logger) { client in
            let started = ContinuousClock.now
            var handles: [WorkflowHandle<String>] = []
            for index in 0..<count {
                let order = Order(id: "o-\(index)", customer: "ada", parcels: ["p\(index)"])
                let stub = client.workflow(OrderFlowStub.self)
                handles.append(try await client.dispatch { try await stub.run(order, deadlineSeconds: deadline) })
            }
            // Every deadline is stored as a scheduled message of the state engine's topic: then kill the worker.
            let scheduled = transport.keyspace.scheduled(Topics.workflowEngine("OrderFlow"), partition: 0)
            try await eventually("every deadline timer stored") {
                try await transport.client.send(ZCARD(scheduled)) >= count
            }
            worker.kill()
            // No worker while the deadlines pass.
            try await Task.sleep(for: .milliseconds(Int(deadline * 1000) + 500))
            #expect(try await transport.client.send(ZCARD(scheduled)) >= count, "a timer fired without a worker")
            try worker.start()
            for (index, handle) in handles.enumerated() {
                #expect(try await handle.result() == "order o-\(index) expired without approval")
            }
            #expect(started.duration(to: .now) >= .seconds(deadline))
            #expect(client.duplicateOutcomes == 0)
        }
    }
}
