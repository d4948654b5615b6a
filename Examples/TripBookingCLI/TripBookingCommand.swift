// `trip-booking`: the example's worker and client as one command line, for running a real fleet (one role
// per process, see Deploy/) and for the crash tests.
//
//   trip-booking worker                                        # every role, REDIS_URL or redis://127.0.0.1:6379
//   trip-booking worker --role workflow-state-engine:BookTrip  # one role (repeat --role for more)
//   trip-booking worker --config worker.yml                    # settings from a file (Deploy/worker.yml)
//   trip-booking book --trips 20                               # a client booking 20 trips
//   trip-booking retry --tag outage                            # retry the failed tasks of tagged trips
//   trip-booking clear-customs --task-id T --clearance C-1     # complete an export's delegated customs task
import ArgumentParser
import Foundation
import Infinitic
import InfiniticRedis
import InfiniticWorkerCommand
import Logging
import OrderApproval
import TripBooking

@main
struct TripBookingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trip-booking",
        abstract: "The trip-booking example of Infinitic: run workers, book trips.",
        subcommands: [WorkerCommand.self, BookCommand.self, RetryCommand.self, ClearCustomsCommand.self])
}

struct ConnectionOptions: ParsableArguments {
    @Option(help: "The Redis URL (default: $REDIS_URL, else redis://127.0.0.1:6379).")
    var redisURL: String?

    @Option(help: "The key prefix of this deployment in Redis.")
    var namespace = "trip-booking"

    @Option(help: "Hash-tag partitions of the key space (fixed when a namespace is first used).")
    var partitions = 1

    @Flag(help: "Log at debug level.")
    var verbose = false

    var url: String {
        redisURL ?? ProcessInfo.processInfo.environment["REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "redis://127.0.0.1:6379"
    }

    var transport: RedisTransportFactory {
        .redis(url: url, namespace: namespace, partitions: partitions)
    }

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = verbose ? .debug : .info
        return logger
    }
}

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run a worker until SIGTERM or SIGINT (then drain and exit).")

    /// The library's worker command line: --role, --config, --redis-url, --namespace, --concurrency...
    @OptionGroup var worker: WorkerOptions

    @Option(help: "Probability that a hotel booking fails on its first attempt (the retry policy recovers).")
    var hotelGlitchRate = 0.2

    @Flag(help: "A hotel outage: every booking attempt fails, so trips fail until retried (`trip-booking retry`).")
    var hotelOutage = false

    @Option(help: "A Redis list the services append each side effect to (service|method|taskId|workflowId).")
    var effectsKey: String?

    @Flag(
        help: """
            Also serve the OrderApproval example (orders waiting for an approval until a deadline timer, exports \
            waiting for customs clearance: a delegated task).
            """)
    var orderApproval = false

    func run() async throws {
        let log = try effectLog()
        let hotels = Hotels(glitchRate: hotelGlitchRate, outage: hotelOutage)
        var services = TripBookingApp.services(hotels: hotels)
        if let log {
            services = TripBookingApp.services(
                hotels: RecordedHotels(inner: hotels, log: log), flights: RecordedFlights(inner: Flights(), log: log),
                payments: RecordedPayments(inner: Payments(), log: log))
        }
        var workflows = TripBookingApp.workflows
        if orderApproval {
            // With `--effects-key`, each customs declaration is logged there (with the task id completing it).
            var fileDeclaration: @Sendable (CustomsDesk.Declaration) async throws -> Void =
                OrderApprovalApp.logDeclaration
            if let log {
                fileDeclaration = { _ in try await log.record("Customs", "clear") }
            }
            services += OrderApprovalApp.services(fileDeclaration: fileDeclaration)
            workflows += OrderApprovalApp.workflows
        }
        try await worker.run(services: services, workflows: workflows, defaultNamespace: "trip-booking")
    }

    /// With `--effects-key`, the Redis list the services log their side effects to.
    private func effectLog() throws -> EffectLog? {
        guard let effectsKey else { return nil }
        let url =
            try worker.redisURL ?? worker.configurationFile()?.transport.redis.url
            ?? ProcessInfo.processInfo.environment["REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "redis://127.0.0.1:6379"
        return EffectLog(client: try RedisClient(url: url), key: effectsKey)
    }
}

struct BookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "book", abstract: "Book trips as a client and print each outcome.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "How many trips to book (every fifth one is too expensive and gets compensated).")
    var trips = 10

    @Option(help: "Seconds to wait for each trip.")
    var timeout: Double = 60

    func run() async throws {
        let logger = connection.logger("trip-booking.client")
        let started = ContinuousClock.now
        let (trips, timeout) = (self.trips, self.timeout)
        let configuration = ClientConfiguration(transport: connection.transport)
        let outcomes = try await withInfiniticClient(configuration: configuration, logger: logger) { client in
            try await withThrowingTaskGroup(of: (Int, Result<TripResult, any Error>).self) { group in
                for index in 0..<trips {
                    let trip = SampleTrips.trip(index)
                    let stub = client.workflow(BookTripStub.self, tags: ["customer:\(trip.customer)"])
                    let handle = try await client.dispatch { try await stub.run(trip) }
                    group.addTask {
                        do {
                            return (
                                index, .success(try await handle.result(timeout: .milliseconds(Int(timeout * 1000))))
                            )
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                return try await group.reduce(into: [(Int, Result<TripResult, any Error>)]()) { $0.append($1) }
            }
        }
        var failures = 0
        for (index, outcome) in outcomes.sorted(by: { $0.0 < $1.0 }) {
            let trip = SampleTrips.trip(index)
            switch outcome {
            case .success(let result):
                print("trip \(index + 1) for \(trip.customer) to \(trip.destination) (\(trip.price) EUR): \(result)")
            case .failure(let error):
                failures += 1
                print("trip \(index + 1) for \(trip.customer) FAILED: \(error)")
            }
        }
        print("\(trips - failures) of \(trips) trips done in \(started.duration(to: .now))")
        if failures > 0 { throw ExitCode.failure }
    }
}

struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Retry the failed and timed-out tasks of trips (after an outage), by trip id or by tag.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The id of one trip.")
    var id: String?

    @Option(help: "A tag: every trip carrying it (e.g. customer:ada).")
    var tag: String?

    func validate() throws {
        guard (id == nil) != (tag == nil) else { throw ValidationError("give one of --id and --tag") }
    }

    func run() async throws {
        let configuration = ClientConfiguration(transport: connection.transport)
        try await withInfiniticClient(configuration: configuration, logger: connection.logger("trip-booking.retry")) {
            client in
            if let id {
                try await client.retryTasks(BookTripStub.self, id: id)
            } else if let tag {
                try await client.retryTasks(BookTripStub.self, tag: tag)
            }
        }
        print("retry sent")
    }
}

struct ClearCustomsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear-customs",
        abstract: "As the customs office: complete an export's delegated customs task with a clearance number.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "The task id of the declaration (printed, or logged, by the worker that filed it).")
    var taskId: String

    @Option(help: "The clearance number the export waits for.")
    var clearance: String

    func run() async throws {
        let configuration = ClientConfiguration(transport: connection.transport)
        let (taskId, clearance) = (self.taskId, self.clearance)
        try await withInfiniticClient(configuration: configuration, logger: connection.logger("trip-booking.customs")) {
            client in
            try await client.completeDelegatedTask(CustomsStub.self, taskId: taskId, result: clearance)
        }
        print("task \(taskId) completed with clearance \(clearance)")
    }
}
