// The main job: the trip-booking saga (Examples/TripBooking) on Redis, through a worker running every role
// and a client, printing what happens. Starts a local redis-server unless REDIS_URL is set.
//
//   swift run infinitic-demo
//   REDIS_URL=redis://127.0.0.1:6379 swift run infinitic-demo
import Foundation
import Infinitic
import InfiniticRedis
import Logging
import ServiceLifecycle
import TripBooking

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}
let logger = Logger(label: "infinitic-demo")
let started = ContinuousClock.now

@Sendable func say(_ text: String) {
    let (seconds, attoseconds) = started.duration(to: .now).components
    let elapsed = String(format: "%6.3fs", Double(seconds) + Double(attoseconds) / 1e18)
    FileHandle.standardOutput.write(Data("\(elapsed)  \(text)\n".utf8))
}

// 1. Redis: yours, or a local one started for this run.
var embedded: RedisServerProcess?
let url: String
if let configured = ProcessInfo.processInfo.environment["REDIS_URL"], !configured.isEmpty {
    url = configured
    say("using Redis at \(configured)")
} else {
    let server = try await RedisServerProcess.start()
    embedded = server
    url = server.url
    say("started a local redis-server at \(url) (AOF on, noeviction); set REDIS_URL to use yours")
}
let transport = RedisTransportFactory.redis(url: url, namespace: "demo-\(Int(Date().timeIntervalSince1970))")

// 2. A worker running every role for the example's three services and its workflow.
let worker = try InfiniticWorker(
    configuration: WorkerConfiguration(
        transport: transport, name: "demo-worker", services: TripBookingApp.services(),
        workflows: TripBookingApp.workflows),
    logger: logger)
say("worker runs: \(worker.configuration.resolvedRoles.map(\.description).joined(separator: ", "))")
let group = ServiceGroup(
    configuration: ServiceGroupConfiguration(
        services: [.init(service: worker)], gracefulShutdownSignals: [], logger: logger))

// 3. A client around the service group's run, so that it outlives the worker's shutdown.
try await withInfiniticClient(configuration: ClientConfiguration(transport: transport), logger: logger) { client in
    try await bookTrips(client: client, group: group)
}
embedded?.stopAndRemoveData()
say("done")

/// Runs the worker's service group, books the trips through the client, then shuts the worker down gracefully.
func bookTrips(client: InfiniticClient, group: ServiceGroup) async throws {
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }

        let count = 10
        say(
            "booking \(count) trips: hotel and flight in parallel, then payment; trips over 2,000 EUR are declined and compensated"
        )
        var handles: [(Int, WorkflowHandle<TripResult>)] = []
        for index in 0..<count {
            let trip = SampleTrips.trip(index)
            let stub = client.workflow(BookTripStub.self, tags: ["customer:\(trip.customer)"])
            let handle = try await client.dispatch { try await stub.run(trip) }
            handles.append((index, handle))
            say(
                "dispatched trip \(index + 1): \(trip.customer) to \(trip.destination), \(trip.price) EUR -> workflow \(handle.id.prefix(8))"
            )
        }

        // Another method on a running instance: it shares the instance's properties.
        let first = handles[0].1
        let progress = try await client.workflow(BookTripStub.self, id: first.id).progress()
        say("progress of workflow \(first.id.prefix(8)) asked while it runs: \(progress)")
        let adaTrips = try await client.workflowIds(BookTripStub.self, tag: "customer:ada")
        say("running trips tagged customer:ada: \(adaTrips.count)")

        var booked = 0
        var compensated = 0
        try await withThrowingTaskGroup(of: (Int, TripResult).self) { results in
            for (index, handle) in handles {
                results.addTask { (index, try await handle.result(timeout: .seconds(60))) }
            }
            for try await (index, result) in results {
                if result.outcome == .booked { booked += 1 } else { compensated += 1 }
                say("trip \(index + 1) \(result)")
            }
        }
        say("\(booked) trips booked, \(compensated) compensated")

        // Finished workflows leave nothing behind: their state and tags are deleted.
        let remaining = try await client.workflowIds(BookTripStub.self, tag: "customer:ada")
        say("running trips tagged customer:ada now: \(remaining.count)")

        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}
