import Foundation
import Infinitic
import InfiniticRedis
import Logging
import TestSupport
import Testing
import TripBooking

/// The example saga, in one process, on both transports: what the README's main command shows.
@Suite("Trip-booking saga")
struct TripBookingSagaTests {
    static let logger: Logger = {
        var logger = Logger(label: "trip-booking-test")
        logger.logLevel = .error
        return logger
    }()

    @Test(arguments: TransportKind.allCases)
    func tripsAreBookedOrCompensated(_ kind: TransportKind) async throws {
        let transport = try await kind.make()
        let worker = try InfiniticWorker(
            configuration: WorkerConfiguration(
                transport: .existing(transport), services: TripBookingApp.services(),
                workflows: TripBookingApp.workflows),
            logger: Self.logger)
        let client = try InfiniticClient(transport: transport, callTimeout: .seconds(60), logger: Self.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            group.addTask { try await client.run() }
            let results = try await withThrowingTaskGroup(of: (Int, TripResult).self) { trips in
                for index in 0..<10 {
                    let trip = SampleTrips.trip(index)
                    let stub = client.workflow(BookTripStub.self, tags: ["customer:\(trip.customer)"])
                    trips.addTask { (index, try await stub.run(trip)) }
                }
                return try await trips.reduce(into: [Int: TripResult]()) { $0[$1.0] = $1.1 }
            }
            for index in 0..<10 {
                let result = try #require(results[index])
                #expect(result.outcome == SampleTrips.expectedOutcome(index), "trip \(index)")
                if result.outcome == .compensated {
                    #expect(result.reason?.contains("declined") == true)
                } else {
                    #expect(result.receipt?.contains("\(SampleTrips.trip(index).price) EUR") == true)
                }
            }
            #expect(try await client.workflowIds(BookTripStub.self, tag: "customer:ada").isEmpty)
            group.cancelAll()
        }
        await client.close()
        (transport as? RedisStreamsTransport)?.close()
    }
}
