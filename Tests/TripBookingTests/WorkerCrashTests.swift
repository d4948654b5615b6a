import Foundation
import Infinitic
import Logging
import TestSupport
import Testing
import TripBooking

@testable import InfiniticRedis

/// A real worker process (every role) SIGKILLed again and again while 200 sagas run, then left running:
/// every saga completes exactly once, with the right outcome, and leaves no state behind. Exactly once is
/// counted by id (`ExactlyOnceLedger`): the outcomes the client received per saga and the duplicates it
/// reported, and the services' own effect log in Redis, where each effect a saga needs must be done under one
/// task id (repeats under the same task id are the at-least-once redeliveries a kill causes).
@Suite("Worker crashes")
struct WorkerCrashTests {
    @Test(.timeLimit(.minutes(3)))
    func sagasSurviveAWorkerKilledRepeatedly() async throws {
        let server = try await TestRedis.server()
        let namespace = TestRedis.uniqueNamespace("crash")
        let transport = try await TestRedis.transport(server: server, namespace: namespace)
        defer { transport.close() }
        var logger = Logger(label: "crash-test")
        logger.logLevel = .error
        let effectsKey = "\(namespace):test:effects"
        let worker = try WorkerProcess(redisURL: server.url, namespace: namespace, effectsKey: effectsKey)
        defer { worker.stop() }

        let ledger = try await withInfiniticClient(transport: transport, callTimeout: .seconds(150), logger: logger) {
            client in
            var ledger = ExactlyOnceLedger()
            let count = 200
            let kills = Locked(0)
            let started = try await withThrowingTaskGroup(of: (Int, TripResult)?.self) { group in
                // The client: 200 sagas dispatched in waves while the worker keeps dying. The killer SIGKILLs the
                // worker a random moment (20-150 ms) after six of the waves, while their sagas are in flight, and
                // restarts it at once.
                var workflowIds: [Int: String] = [:]
                let killedWaves: Set<Int> = [0, 2, 4, 6, 7, 9]
                for wave in 0..<10 {
                    for index in wave * 20..<(wave + 1) * 20 {
                        let trip = SampleTrips.trip(index)
                        let stub = client.workflow(BookTripStub.self, tags: ["customer:\(trip.customer)"])
                        let handle = try await client.dispatch { try await stub.run(trip) }
                        workflowIds[index] = handle.id
                        group.addTask { (index, try await handle.result()) }
                    }
                    if killedWaves.contains(wave) {
                        try await Task.sleep(for: .milliseconds(Int.random(in: 20...150)))
                        try worker.killAndRestart()
                        kills.withLock { $0 += 1 }
                    }
                    try await Task.sleep(for: .milliseconds(300))
                }
                var outcomes: [Int: [TripResult]] = [:]
                for try await outcome in group {
                    if let (index, result) = outcome { outcomes[index, default: []].append(result) }
                }
                return (workflowIds, outcomes)
            }
            ledger.workflowIds = started.0
            ledger.outcomes = started.1

            #expect(kills.value == 6)
            // The kills hit work in flight: restarted workers took back messages their dead predecessors held.
            #expect(worker.log.contains("from silent consumers"), "no message was reclaimed: the kills missed the work")
            #expect(ledger.workflowIds.count == count && ledger.outcomes.count == count)
            // Nothing left: no workflow state, no tag set (the tag engine removes a finished workflow's tags just
            // after the result is sent, possibly after a reclaim: wait for it).
            let redis = transport.client
            let left = Locked<[String]>([])
            do {
                try await eventually("no workflow state and no tag set left", timeout: .seconds(30)) {
                    let states = try await redis.send(KEYS("\(namespace):*:state:*"))
                    let sets = try await redis.send(KEYS("\(namespace):*:set:workflow-tag-ids:*"))
                    left.withLock { $0 = states + sets }
                    return states.isEmpty && sets.isEmpty
                }
            } catch {
                // Say what stayed, for the next one to look at (a state or a tag set, of which workflow).
                var found: [String] = []
                for key in left.value.prefix(5) {
                    let fields = (try? await redis.send(HGETALL(key)))?.keys.sorted() ?? []
                    let members = (try? await redis.send(SMEMBERS(key))) ?? []
                    found.append("\(key): fields \(fields.prefix(10)), members \(members.prefix(10))")
                }
                Issue.record("left in Redis (\(left.value.count) keys):\n\(found.joined(separator: "\n"))")
                throw error
            }
            // A late duplicate outcome would have arrived by now (the engines are idle).
            ledger.duplicateOutcomes = client.duplicateOutcomes
            ledger.effectLines = try await redis.send(LRANGE(effectsKey, 0, -1)).map {
                String(decoding: $0, as: UTF8.self)
            }
            return ledger
        }
        let violations = ledger.violations()
        #expect(violations.isEmpty, "exactly-once broken:\n\(violations.prefix(20).joined(separator: "\n"))")
        let logged = ledger.effectLines.count
        #expect(logged >= 600, "every saga logged its effects (\(logged))")
        print("crash test: \(logged) effects logged, \(ledger.repeatedEffects) repeated under the same task id")
    }
}

/// `trip-booking worker` as a child process (every role, 1 s visibility timeout so that the messages a killed
/// worker held come back quickly, outcomes kept `resultRetention` seconds), its services logging their effects to
/// the Redis list `effectsKey`.
final class WorkerProcess: Sendable {
    private let arguments: [String]
    private let executable: String
    private let pid: Locked<Int32?>
    /// The workers' logs, appended by each incarnation.
    let logFile = NSTemporaryDirectory() + "crash-worker-\(UUID().uuidString.prefix(8)).log"

    init(
        redisURL: String, namespace: String, effectsKey: String?, resultRetention: Int = 0,
        extraArguments: [String] = []
    ) throws {
        executable = try Self.locate("trip-booking")
        arguments =
            [
                "worker", "--redis-url", redisURL, "--namespace", namespace, "--visibility-timeout", "1",
                "--concurrency", "8", "--result-retention", "\(resultRetention)",
            ] + (effectsKey.map { ["--effects-key", $0] } ?? []) + extraArguments
        pid = Locked(try ChildProcess.spawn(executable, arguments, output: logFile))
    }

    func killAndRestart() throws {
        kill()
        try start()
    }

    /// SIGKILLs the running worker (nothing runs until `start`).
    func kill() {
        if let old = pid.value { ChildProcess.terminate(old, signal: SIGKILL) }
        pid.withLock { $0 = nil }
    }

    /// Starts a new worker process.
    func start() throws {
        let new = try ChildProcess.spawn(executable, arguments, output: logFile)
        pid.withLock { $0 = new }
    }

    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    func stop() {
        if let current = pid.value { ChildProcess.terminate(current, signal: SIGTERM) }
        pid.withLock { $0 = nil }
    }

    /// Runs `trip-booking` once with `arguments` (a client command) and returns its exit status and output.
    static func runCommand(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> (Int32, String) {
        let output = NSTemporaryDirectory() + "trip-booking-\(UUID().uuidString.prefix(8)).log"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let pid = try ChildProcess.spawn(try locate("trip-booking"), arguments, output: output)
        let status = try await ChildProcess.wait(for: pid, timeout: timeout)
        return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }

    /// An executable built with the tests, next to the test bundle.
    static func locate(_ name: String) throws -> String {
        try testExecutable(name)
    }
}
