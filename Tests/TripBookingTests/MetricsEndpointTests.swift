import Foundation
import Infinitic
import TestSupport
import Testing
import TripBooking

@testable import InfiniticRedis

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real worker process (`trip-booking worker --metrics-port`) on a real redis-server: its `/health` answers
/// 200 while it runs, and its `/metrics`, scraped over HTTP after five trips, count exactly what happened.
@Suite("Metrics endpoint")
struct MetricsEndpointTests {
    @Test
    func aWorkersMetricsCountWhatItDid() async throws {
        let server = try await TestRedis.server()
        let namespace = TestRedis.uniqueNamespace("metrics")
        let port = UInt16(try RedisServerProcess.freeLoopbackPort())
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-worker-\(UUID()).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }

        // Every first attempt to book a hotel fails and is retried once (the example's retry policy).
        // posix_spawn and waitpid (see WorkerCommandTests), not Foundation's Process.
        let pid = try ChildProcess.spawn(
            try WorkerProcess.locate("trip-booking"),
            [
                "worker", "--redis-url", server.url, "--namespace", namespace, "--hotel-glitch-rate", "1",
                "--metrics-host", "127.0.0.1", "--metrics-port", "\(port)", "--result-retention", "60",
            ],
            output: log.path)
        var exited = false
        defer { if !exited { ChildProcess.terminate(pid, signal: SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"

        try await eventually("the worker is healthy") { (try? await HTTP.get("\(base)/health"))?.status == 200 }

        let transport = try await TestRedis.transport(server: server, namespace: namespace)
        let client = try InfiniticClient(transport: transport, callTimeout: .seconds(60))
        let trips = 5
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            for index in 0..<trips {
                let stub = client.workflow(BookTripStub.self)
                let result = try await stub.run(SampleTrips.trip(index))
                #expect(result.outcome == SampleTrips.expectedOutcome(index))
            }
            group.cancelAll()
        }
        await client.close()
        transport.close()

        // Trip 4 is declined by the payment service (not retried) and compensated: both bookings cancelled.
        let hotel = Topics.serviceExecutor("HotelService").name
        let payment = Topics.serviceExecutor("PaymentService").name
        var metrics = PrometheusText("")
        // With a result retention, an ended instance's state expires later by itself: it counts as ended at once.
        try await eventually("every instance ended") {
            metrics = PrometheusText(try await HTTP.get("\(base)/metrics").body)
            return metrics.sum("infinitic_workflows_deleted_total", ["workflow": "BookTrip"]) == Double(trips)
        }
        #expect(metrics.sum("infinitic_workflows_created_total", ["workflow": "BookTrip"]) == 5)
        #expect(metrics.sum("infinitic_workflows_running", ["workflow": "BookTrip"]) == 0)
        // Hotel: 5 failed first attempts, 5 successful retries, 1 cancellation.
        #expect(metrics.sum("infinitic_task_executions_total", ["service": "HotelService", "outcome": "failure"]) == 5)
        #expect(metrics.sum("infinitic_task_executions_total", ["service": "HotelService", "outcome": "success"]) == 6)
        #expect(metrics.sum("infinitic_retries_total", ["topic": hotel, "kind": "task"]) == 5)
        #expect(
            metrics.sum(
                "infinitic_messages_handled_total",
                ["role": "service-executor", "topic": hotel, "outcome": "ack"]) == 11)
        // Payment: 4 charged, 1 declined and not retried.
        #expect(
            metrics.sum("infinitic_task_executions_total", ["service": "PaymentService", "outcome": "success"]) == 4)
        #expect(
            metrics.sum("infinitic_task_executions_total", ["service": "PaymentService", "outcome": "failure"]) == 1)
        #expect(metrics.sum("infinitic_retries_total", ["topic": payment]) == 0)
        #expect(metrics.sum("infinitic_dead_letters_total", [:]) == 0)
        // Every role with messages to read handled some (this worker replays workflow tasks inline: its workflow
        // executor has none), and every step was timed.
        for role in ["service-executor", "service-tag-engine", "workflow-state-engine"] {
            #expect(metrics.sum("infinitic_messages_handled_total", ["role": role, "outcome": "ack"]) > 0, "\(role)")
        }
        #expect(metrics.sum("infinitic_messages_handled_total", ["role": "workflow-executor"]) == 0)
        // Each trip: the first workflow task, one after each of its 2 to 4 tasks (hotel retried, payment declined
        // or not, a cancellation when compensated); none failed.
        let workflowTasks = metrics.sum(
            "infinitic_workflow_tasks_total", ["workflow": "BookTrip", "outcome": "success"])
        #expect(workflowTasks >= 15 && workflowTasks <= 30, "\(workflowTasks) workflow tasks")
        #expect(metrics.sum("infinitic_workflow_tasks_total", ["outcome": "failure"]) == 0)
        // Every workflow task after a trip's first resumed its parked replay (sticky replay, one worker).
        let resumed = metrics.sum("infinitic_workflow_tasks_resumed_total", ["workflow": "BookTrip"])
        #expect(
            resumed >= 10 && resumed <= workflowTasks - Double(trips),
            "\(resumed) of \(workflowTasks) workflow tasks resumed")
        // Each role's backlog, read from Redis at the scrape: everything handled, nothing pending or unread.
        for role in ["service-executor", "workflow-executor", "workflow-state-engine", "workflow-tag-engine"] {
            #expect(metrics.has("infinitic_stream_pending", ["role": role]), "no backlog gauge for \(role)")
            #expect(metrics.has("infinitic_stream_lag", ["role": role]), "no lag gauge for \(role)")
        }
        #expect(metrics.sum("infinitic_stream_pending", [:]) == 0)
        #expect(metrics.sum("infinitic_stream_lag", [:]) == 0)
        let steps = metrics.sum("infinitic_step_duration_seconds_count", ["role": "workflow-state-engine"])
        #expect(steps > 0)
        #expect(steps <= metrics.sum("infinitic_messages_handled_total", ["role": "workflow-state-engine"]))

        kill(pid, SIGTERM)
        let status = try await ChildProcess.wait(for: pid, timeout: .seconds(60))
        exited = true
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(status == 0, "exit status \(status) (-1: killed by a signal)\n\(output)")
        // Stopped: the endpoint is gone with the worker.
        #expect((try? await HTTP.get("\(base)/health")) == nil)
    }
}

/// The samples of a Prometheus text exposition.
struct PrometheusText {
    let lines: [Substring]

    init(_ text: String) {
        lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
    }

    /// Whether a sample of `name` has labels including `labels`.
    func has(_ name: String, _ labels: [String: String]) -> Bool {
        lines.contains { line in
            line.hasPrefix(name + "{") && labels.allSatisfy { line.contains("\($0.key)=\"\($0.value)\"") }
        }
    }

    /// The sum of the samples of `name` whose labels include `labels`.
    func sum(_ name: String, _ labels: [String: String]) -> Double {
        var total = 0.0
        for line in lines {
            guard line.hasPrefix(name + "{") || line.hasPrefix(name + " ") else { continue }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            let head = line[..<space]
            if labels.allSatisfy({ head.contains("\($0.key)=\"\($0.value)\"") }) { total += value }
        }
        return total
    }
}

/// A GET over HTTP (URLSession).
enum HTTP {
    static func get(_ url: String) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 5
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
