import Foundation
import Infinitic
import InfiniticRedis
import TestSupport
import Testing
import TripBooking

/// The library's worker command in a real process (`trip-booking worker`, which uses `WorkerOptions`): it
/// runs from a configuration file with roles from the command line, does work, and exits 0 on SIGTERM.
@Suite("Worker command")
struct WorkerCommandTests {
    @Test
    func aWorkerFromAFileRunsAndExitsCleanlyOnSIGTERM() async throws {
        let server = try await TestRedis.server()
        let namespace = TestRedis.uniqueNamespace("command")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("worker-command-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("worker.yml")
        try """
        transport:
          redis: {url: "${TEST_WORKER_REDIS}", namespace: \(namespace)}
        consumer: {concurrency: 4}
        events: {retainedEvents: 1000}
        """.write(to: config, atomically: true, encoding: .utf8)
        let log = folder.appendingPathComponent("worker.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try WorkerProcess.locate("trip-booking"))
        process.arguments = ["worker", "--config", config.path, "--hotel-glitch-rate", "0"]
        process.environment = ProcessInfo.processInfo.environment.merging(["TEST_WORKER_REDIS": server.url]) { $1 }
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()

        let transport = try await TestRedis.transport(server: server, namespace: namespace)
        let client = try InfiniticClient(transport: transport, callTimeout: .seconds(60))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            let trip = SampleTrips.trip(0)
            let stub = client.workflow(BookTripStub.self, tags: ["customer:\(trip.customer)"])
            let result = try await stub.run(trip)
            #expect(result.outcome == .booked)
            group.cancelAll()
        }
        await client.close()
        // The worker emitted events, as its file asks.
        let events = try await transport.client.send(
            XLEN(transport.keyspace.stream(Topics.events(retaining: 1), partition: 0)))
        #expect(events > 0)
        transport.close()

        process.terminate()  // SIGTERM
        process.waitUntilExit()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(process.terminationReason == .exit, "\(output)")
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("worker stopped"), "\(output)")
    }
}
