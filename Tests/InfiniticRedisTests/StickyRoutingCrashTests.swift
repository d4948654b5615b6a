import Foundation
import TestSupport
import Testing

@testable import InfiniticRedis

/// Sticky routing through crashes, with real processes (`FleetProbe`): one worker runs the state engine and the
/// service, two others only the workflow executor; long ledgers run while the executors, and once the engine, are
/// SIGKILLed and restarted. The executors keep the ledgers' replays parked and get their next workflow tasks on
/// their own topics; a killed one's tasks go whole to the others after the sticky timeout. Every ledger ends
/// once with the right total, and nothing of them is left in Redis.
@Suite("Sticky routing crashes")
struct StickyRoutingCrashTests {
    /// The `FleetProbe` executable, next to the test bundle.
    static var executable: String {
        get throws { try testExecutable("FleetProbe") }
    }

    /// A fleet process restarted under the same arguments.
    final class Member: Sendable {
        let arguments: [String]
        let log: String
        private let pid: Locked<Int32?>

        init(_ arguments: [String], log: String) throws {
            self.arguments = arguments
            self.log = log
            pid = Locked(try ChildProcess.spawn(try StickyRoutingCrashTests.executable, arguments, output: log))
        }

        func killAndRestart() throws {
            kill()
            let started = try ChildProcess.spawn(try StickyRoutingCrashTests.executable, arguments, output: log)
            pid.withLock { $0 = started }
        }

        func kill() {
            if let old = pid.withLock({ $0 }) { ChildProcess.terminate(old, signal: SIGKILL) }
            pid.withLock { $0 = nil }
        }

        var processId: Int32? { pid.withLock { $0 } }
    }

    @Test(.timeLimit(.minutes(3)))
    func ledgersSurviveKilledExecutorsAndEngine() async throws {
        let server = try await TestRedis.server()
        let namespace = TestRedis.uniqueNamespace("sticky-crash")
        let redis = try RedisClient(url: server.url)
        let log = NSTemporaryDirectory() + "sticky-crash-\(UUID().uuidString.prefix(8)).log"
        let (ledgers, steps) = (12, 120)
        let resultsKey = "\(namespace):probe:results"

        func worker(_ name: String, _ kind: String) throws -> Member {
            try Member(["worker", server.url, namespace, name, kind, "1"], log: log)
        }
        let engine = try worker("engine", "engine")
        let executors = [try worker("a", "executor"), try worker("b", "executor")]
        defer {
            engine.kill()
            for executor in executors { executor.kill() }
        }
        let client = try Member(
            ["client", server.url, namespace, String(ledgers), String(steps), resultsKey], log: log)
        defer { client.kill() }

        // Once tasks are routed (the ledgers outgrew their records), kill each executor twice and the engine once.
        try await eventually("workflow tasks routed to an executor's own topic", timeout: .seconds(60)) {
            try await count(redis, "\(namespace):probe:partial") > 0
        }
        for victim in [executors[0], executors[1], engine, executors[0], executors[1]] {
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...700)))
            try victim.killAndRestart()
        }

        let exit = try await ChildProcess.wait(for: try #require(client.processId), timeout: .seconds(150))
        let lines = try await redis.send(LRANGE(resultsKey, 0, -1)).map { String(decoding: $0, as: UTF8.self) }
        #expect(exit == 0, "the client exited with \(exit); log: \(log)")
        let expected = steps * (steps - 1) / 2
        #expect(lines.count == ledgers, "\(lines)")
        #expect(Set(lines) == Set((0..<ledgers).map { "\($0)|\(expected)" }), "\(lines)")

        // The executors resumed most tasks from their parked replays, across the kills.
        let (whole, partial) = (
            try await count(redis, "\(namespace):probe:whole"), try await count(redis, "\(namespace):probe:partial")
        )
        #expect(partial > ledgers * steps / 2, "\(partial) tasks with only what changed, \(whole) whole")
        // Each ledger's first 18 tasks go whole (its history outgrows its record with the 18th): without kills,
        // exactly 216. More: the kills hit routed tasks, which went whole to the other executors.
        #expect(whole > ledgers * 18, "\(whole) whole tasks")
        // Nothing left: the ledgers' states are deleted once they end.
        try await eventually("no workflow state left", timeout: .seconds(30)) {
            try await redis.send(KEYS("\(namespace):*:state:*")).isEmpty
        }
    }

    private func count(_ redis: RedisClient, _ key: String) async throws -> Int {
        guard let bytes = try await redis.send(GET(key)) else { return 0 }
        return Int(String(decoding: bytes, as: UTF8.self)) ?? 0
    }
}
