import Foundation
import Infinitic
import Logging
import TestSupport
import Testing
import TripBooking

@testable import InfiniticRedis

/// A schedule ticking every second with three real `trip-booking worker` processes competing for its ticks: each
/// tick handled starts its instance exactly once, also when a worker is SIGKILLed mid-run; after a downtime of
/// every worker, the schedule catches up with one instance, not a burst. Counted by id: each tick's instance has
/// the deterministic id `Schedules.workflowId`, and the services log each effect with its task id and workflow
/// id (an instance started twice would log its bookings under a second task id).
@Suite("Schedules across worker processes")
struct ScheduleWorkerProcessTests {
    @Test(.timeLimit(.minutes(2)))
    func aScheduleTicksOncePerTickWithThreeWorkers() async throws {
        let server = try await TestRedis.server()
        let namespace = TestRedis.uniqueNamespace("schedule")
        let transport = try await TestRedis.transport(server: server, namespace: namespace)
        defer { transport.close() }
        let effectsKey = "\(namespace):test:effects"
        let workers = try (0..<3).map { _ in
            try WorkerProcess(
                redisURL: server.url, namespace: namespace, effectsKey: effectsKey,
                extraArguments: ["--hotel-glitch-rate", "0"])
        }
        defer { for worker in workers { worker.stop() } }
        var logger = Logger(label: "schedule-process-test")
        logger.logLevel = .error
        let name = "every-second"

        let (created, paused, downtime) = try await withInfiniticClient(
            transport: transport, callTimeout: .seconds(60), unservedWorkflows: .warn, logger: logger
        ) { client in
            let trips = client.workflow(BookTripStub.self, tags: ["scheduled"])
            var created: ScheduleInfo?
            try await eventually("a worker answers", timeout: .seconds(30)) {
                created = try? await client.schedule(name, try .every(.seconds(1)), overlap: .allow) {
                    try await trips.run(SampleTrips.trip(0))
                }
                return created != nil
            }
            try await Task.sleep(for: .seconds(5))
            // A worker dies mid-run (possibly holding a tick) and comes back.
            try workers[1].killAndRestart()
            try await Task.sleep(for: .seconds(4))
            // Every worker down for 4 s, from 0.3 s past a tick: the missed instants are not run in a burst.
            let fraction = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 1)
            try await Task.sleep(for: .milliseconds(Int(((fraction < 0.3 ? 0.3 : 1.3) - fraction) * 1000)))
            let killedAt = Date()
            for worker in workers { worker.kill() }
            try await Task.sleep(for: .seconds(4))
            let restartedAt = Date()
            for worker in workers { try worker.start() }
            try await Task.sleep(for: .seconds(4))
            let paused = try await client.pauseSchedule(BookTripStub.self, name: name)
            return (try #require(created), paused, killedAt...restartedAt)
        }

        // Every tick handled started one instance, each booking its hotel, flight and payment once.
        let redis = transport.client
        let firstDue = try #require(created.nextDue)
        let lastDue = try #require(paused.lastTick)
        var dueById: [String: Date] = [:]
        for due in stride(from: firstDue, through: lastDue, by: 1) {
            dueById[Schedules.workflowId(workflowName: "BookTrip", scheduleName: name, due: due)] = due
        }
        var effects: [ExactlyOnceLedger.Effect] = []
        try await eventually("every started instance did its bookings", timeout: .seconds(30)) {
            effects = try await redis.send(LRANGE(effectsKey, 0, -1)).compactMap {
                ExactlyOnceLedger.Effect(line: String(decoding: $0, as: UTF8.self))
            }
            let charged = Set(effects.filter { $0.operation == "PaymentService.charge" }.map(\.workflowId))
            return charged.count >= paused.ticks
        }
        var taskIds: [String: [String: Set<String>]] = [:]
        for effect in effects {
            taskIds[effect.workflowId, default: [:]][effect.operation, default: []].insert(effect.taskId)
        }
        let unknown = Set(taskIds.keys).subtracting(dueById.keys)
        #expect(unknown.isEmpty, "instances that no tick of the schedule started: \(unknown.sorted())")
        #expect(taskIds.count == paused.ticks, "one instance per tick handled (\(paused.ticks) ticks)")
        for (workflowId, operations) in taskIds {
            #expect(
                Set(operations.keys) == ["HotelService.book", "FlightService.book", "PaymentService.charge"],
                "instance \(workflowId) did \(operations.keys.sorted())")
            for (operation, ids) in operations where ids.count != 1 {
                Issue.record(
                    "the instance of \(dueById[workflowId].map { "\($0)" } ?? workflowId) ran twice: \(operation) under \(ids.count) task ids"
                )
            }
        }
        let dues = taskIds.keys.compactMap { dueById[$0] }.sorted()
        // About one instance per second of the run, with no gap before the kills (the first 5 s).
        #expect(dues.count >= 10, "\(dues.count) instances")
        let early = dues.prefix { $0 < firstDue + 4 }
        #expect(early.count == 4, "one instance per second before any kill: \(early)")
        // The downtime: the instants missed while no worker ran did not run (only the latest, caught up at the
        // restart, may be within a second before it), and the schedule went on after.
        let missed = dues.filter { $0 > downtime.lowerBound + 0.2 && $0 < downtime.upperBound - 1 }
        #expect(missed.isEmpty, "instants missed during the downtime ran: \(missed) (down \(downtime), ran \(dues))")
        #expect(dues.filter { $0 >= downtime.upperBound - 1 }.count >= 2, "the schedule goes on after the downtime")
        print(
            "schedule test: \(paused.ticks) ticks, \(dues.count) instances over \(lastDue.timeIntervalSince(firstDue)) s"
        )
    }
}
