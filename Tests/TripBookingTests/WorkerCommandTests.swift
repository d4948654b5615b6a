import Foundation
import Infinitic
import TestSupport
import Testing
import TripBooking

@testable import InfiniticRedis

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

        // posix_spawn and waitpid, not Foundation's Process: its waitUntilExit blocks a thread of the cooperative
        // pool (two on two cores) and once missed the worker's exit, which hung the whole suite.
        let pid = try ChildProcess.spawn(
            try WorkerProcess.locate("trip-booking"), ["worker", "--config", config.path, "--hotel-glitch-rate", "0"],
            output: log.path, environment: ["TEST_WORKER_REDIS": server.url])
        var exited = false
        defer { if !exited { ChildProcess.terminate(pid, signal: SIGKILL) } }

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

        kill(pid, SIGTERM)
        let status = try await ChildProcess.wait(for: pid, timeout: .seconds(60))
        exited = true
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(status == 0, "exit status \(status) (-1: killed by a signal)\n\(output)")
        #expect(output.contains("worker stopped"), "\(output)")
    }
}
