import Foundation
import Infinitic
import Logging
import OrderApproval
import TestSupport
import Testing
import TripBooking

@testable import InfiniticRedis

/// Operating running work across real processes: tasks that failed in a worker that was then SIGKILLed are
/// retried from a client once a fixed worker runs, and delegated tasks filed by a worker are completed by a
/// separate `trip-booking clear-customs` process, after the worker that filed them was killed and restarted.
@Suite("Operations across worker processes")
struct OperationsWorkerProcessTests {
    @Test(.timeLimit(.minutes(2)))
    func failedTasksAreRetriedAfterTheFailingWorkerWasKilled() async throws {
        let server = try await TestRedis.server()
        let namespace = TestRedis.uniqueNamespace("retry-process")
        let transport = try await TestRedis.transport(server: server, namespace: namespace)
        defer { transport.close() }
        let effectsKey = "\(namespace):test:effects"
        // A hotel outage: every booking attempt fails, so each trip's method fails once the retry policy gives up.
        let failing = try WorkerProcess(
            redisURL: server.url, namespace: namespace, effectsKey: effectsKey, resultRetention: 120,
            extraArguments: ["--hotel-outage"])
        defer { failing.stop() }
        var logger = Logger(label: "retry-process-test")
        logger.logLevel = .error
        let tag = "outage-42"
        let trips = (0..<4).map(SampleTrips.trip)

        let workflowIds = try await withInfiniticClient(
            transport: transport, callTimeout: .seconds(60), logger: logger
        ) { client in
            var handles: [WorkflowHandle<TripResult>] = []
            for trip in trips {
                let stub = client.workflow(BookTripStub.self, tags: [tag])
                handles.append(try await client.dispatch { try await stub.run(trip) })
            }
            for handle in handles {
                do {
                    let result = try await handle.result(timeout: .seconds(60))
                    Issue.record("trip \(handle.id) ended during the outage: \(result)")
                } catch let error as WorkflowFailedError {
                    #expect("\(error)".contains("HotelService"), "the hotel booking failed: \(error)")
                }
            }
            // The failing worker dies: the failures live only in Redis. A fixed deployment starts, and an operator
            // retries the hotel bookings of every trip carrying the tag.
            failing.kill()
            let fixed = try WorkerProcess(
                redisURL: server.url, namespace: namespace, effectsKey: effectsKey, resultRetention: 120,
                extraArguments: ["--hotel-glitch-rate", "0"])
            defer { fixed.stop() }
            try await client.retryTasks(BookTripStub.self, tag: tag, .status(.failed, service: HotelServiceStub.self))
            for (index, handle) in handles.enumerated() {
                var outcome: TripResult?
                try await eventually("trip \(index) booked after the retry", timeout: .seconds(60)) {
                    do {
                        // A new handle: the first one keeps the failure it received.
                        outcome = try await client.handle(BookTripStub.self, id: handle.id, resultType: TripResult.self)
                            .result(timeout: .seconds(5))
                    } catch is WorkflowFailedError {
                        // A wait that reached the instance before the retry saw the failure: ask again.
                    }
                    return outcome != nil
                }
                #expect(outcome?.outcome == .booked, "trip \(index): \(String(describing: outcome))")
            }
            return handles.map(\.id)
        }

        // Each trip resumed where it failed: the flight booked during the outage was not booked again, the hotel
        // was booked once (under the task id that failed) and the payment charged once.
        let effects = try await transport.client.send(LRANGE(effectsKey, 0, -1)).compactMap {
            ExactlyOnceLedger.Effect(line: String(decoding: $0, as: UTF8.self))
        }
        for workflowId in workflowIds {
            let own = effects.filter { $0.workflowId == workflowId }
            #expect(
                own.map(\.operation).sorted()
                    == ["FlightService.book", "HotelService.book", "PaymentService.charge"],
                "trip \(workflowId): \(own.map(\.operation))")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func delegatedTasksAreCompletedFromAnotherProcess() async throws {
        let server = try await TestRedis.server()
        let namespace = TestRedis.uniqueNamespace("delegated-process")
        let transport = try await TestRedis.transport(server: server, namespace: namespace)
        defer { transport.close() }
        let effectsKey = "\(namespace):test:effects"
        let worker = try WorkerProcess(
            redisURL: server.url, namespace: namespace, effectsKey: effectsKey, resultRetention: 120,
            extraArguments: ["--order-approval"])
        defer { worker.stop() }
        var logger = Logger(label: "delegated-process-test")
        logger.logLevel = .error
        let connection = ["--redis-url", server.url, "--namespace", namespace]

        try await withInfiniticClient(transport: transport, callTimeout: .seconds(60), logger: logger) { client in
            var handles: [WorkflowHandle<String>] = []
            for index in 0..<3 {
                let order = Order(id: "x-\(index)", customer: "ada", parcels: ["p\(index)a", "p\(index)b"])
                let stub = client.workflow(ExportStub.self)
                handles.append(try await client.dispatch { try await stub.run(order) })
            }
            // The worker files one declaration per export (logged with the task id that completes it)...
            var declarations: [ExactlyOnceLedger.Effect] = []
            try await eventually("every declaration filed", timeout: .seconds(60)) {
                declarations = try await transport.client.send(LRANGE(effectsKey, 0, -1)).compactMap {
                    ExactlyOnceLedger.Effect(line: String(decoding: $0, as: UTF8.self))
                }.filter { $0.operation == "Customs.clear" }
                return Set(declarations.map(\.workflowId)).count == handles.count
            }
            // ...and dies; who waits for the tasks is kept in Redis, not in the worker.
            try worker.killAndRestart()
            for handle in handles {
                do {
                    let early = try await handle.result(timeout: .milliseconds(300))
                    Issue.record("export \(handle.id) went on before its clearance: \(early)")
                } catch let error as InfiniticError where error.code == .timedOut {}
            }
            // The customs office answers from its own process.
            for (index, handle) in handles.enumerated() {
                let declaration = try #require(declarations.first { $0.workflowId == handle.id })
                let (status, output) = try await WorkerProcess.runCommand(
                    ["clear-customs", "--task-id", declaration.taskId, "--clearance", "C-\(index)"] + connection)
                #expect(status == 0, "clear-customs failed: \(output)")
            }
            for (index, handle) in handles.enumerated() {
                let result = try await handle.result(timeout: .seconds(60))
                #expect(result == "order x-\(index) cleared (C-\(index)), shipped: p\(index)a+p\(index)b-tracked")
            }
            // A second answer changes nothing; an unknown task id is refused with a clear error.
            let first = try #require(declarations.first)
            let (again, againOutput) = try await WorkerProcess.runCommand(
                ["clear-customs", "--task-id", first.taskId, "--clearance", "C-other"] + connection)
            #expect(again == 0, "a repeated completion is accepted: \(againOutput)")
            let (unknown, unknownOutput) = try await WorkerProcess.runCommand(
                ["clear-customs", "--task-id", "no-such-task", "--clearance", "C-9"] + connection)
            #expect(unknown != 0)
            #expect(unknownOutput.contains("no-such-task"), "the error names the task: \(unknownOutput)")
        }
        // One delegated task per export (a task redelivered after the kill files again under the same task id).
        let filed = try await transport.client.send(LRANGE(effectsKey, 0, -1)).compactMap {
            ExactlyOnceLedger.Effect(line: String(decoding: $0, as: UTF8.self))
        }.filter { $0.operation == "Customs.clear" }
        let taskIds = Dictionary(grouping: filed, by: \.workflowId).mapValues { Set($0.map(\.taskId)) }
        #expect(taskIds.count == 3 && taskIds.values.allSatisfy { $0.count == 1 }, "\(filed)")
    }
}
