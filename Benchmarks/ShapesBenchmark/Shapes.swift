// The measured phases: what each shape does through the public client API, and what Redis did meanwhile.
import BenchmarkSupport
import Foundation
import Histogram
import Infinitic
import InfiniticRedis
import Logging

/// The run's fixed inputs.
struct Bench: Sendable {
    let redis: BenchmarkRedis
    let logger: Logger
    /// How every fleet's worker consumes.
    let settings: ConsumerSettings
    /// Past this, a phase is stopped.
    let budget: Duration
    /// Workflows (or methods) in flight at once.
    let inflight: Int
    /// The connection that reads the server's counters.
    let stats: RedisClient
    /// Whether the worker replays workflow tasks inline (`WorkerConfiguration.inlineWorkflowTasks`); off
    /// with `--no-inline`, as in a fleet where state engines and executors run in different processes.
    let inline: Bool
    /// Whether the fleet runs on the in-memory transport instead of Redis (`--memory`): the engine's own cost,
    /// without the Redis transport's. The Redis figures are then those of the stats connection alone.
    let inMemory: Bool
    /// With `--executors N`, the workflow executors run in N workers of their own beside the worker running every
    /// other role (as in a fleet with several executor processes); 0: one worker runs every role.
    var executors = 0
    /// Whether state engines that do not replay inline route long methods' tasks to the executor keeping their
    /// replays (`WorkerConfiguration.stickyTaskTimeout`); off with `--no-sticky-routing`.
    var stickyRouting = true
    /// `WorkerConfiguration.cachedStates` of the fleet's workers (`--cached-states N`).
    var cachedStates = WorkerConfiguration.defaultCachedStates
}

/// What one phase did: `done` of `items` (workflows, tasks or methods) in `seconds`, and Redis meanwhile.
struct Phase: Sendable {
    let items: Int
    let done: Int
    let seconds: Double
    /// The budget ran out: the phase was cancelled after `done` items.
    let stopped: Bool
    /// Microseconds from call to result of each workflow or method, when that means something.
    let latency: Histogram<UInt64>?
    let redis: RedisStats
    /// CPU seconds this process (the client and the worker) used meanwhile.
    let cpuSeconds: Double

    var perSecond: Double { Double(done) / seconds }
    var microsecondsPerItem: Double { seconds * 1e6 / Double(done) }
    var commandsPerItem: Double { Double(redis.commands) / Double(done) }
    var bytesPerItem: Double { Double(redis.netInputBytes) / Double(done) }
    var aofBytesPerItem: Double? { redis.aofBytes.map { Double($0) / Double(done) } }
    /// CPU microseconds per item of this process and of Redis: unlike throughput, hardly moved by other work
    /// on a shared machine (as long as it does not take the cores away).
    var cpuPerItem: (ours: Double, redis: Double) {
        (cpuSeconds * 1e6 / Double(done), redis.cpuSeconds * 1e6 / Double(done))
    }
}

/// The CPU seconds this process used so far, user and system.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// The raw hiredis loop's figures (the physical limit of messaging through this Redis, same run).
struct RawBaseline: Sendable {
    let messagesPerSecond: Double
    let commandsPerMessage: Double
    let bytesPerMessage: Double
    let aofBytesPerMessage: Double?

    static func measure(_ bench: Bench, messages: Int) async throws -> RawBaseline {
        let before = try await RedisStats.read(bench.stats)
        let rate = try rawHiredisLoop(
            messages, stream: "shapes-raw", redis: bench.redis.configuration,
            payload: [UInt8](repeating: 120, count: 64))
        let delta = try await RedisStats.read(bench.stats).since(before)
        let count = Double(messages)
        return RawBaseline(
            messagesPerSecond: rate, commandsPerMessage: Double(delta.commands) / count,
            bytesPerMessage: Double(delta.netInputBytes) / count,
            aofBytesPerMessage: delta.aofBytes.map { Double($0) / count })
    }
}

enum ShapesError: Error {
    case wrongResult(String, expected: Int, got: Int)
    case stuck(String)
}

enum Shapes {
    /// Runs `work` within the budget, with the Redis counters read around it. `work` counts the items it
    /// completes in its argument and may return a latency histogram.
    static func phase(
        _ bench: Bench, items: Int, _ work: @escaping @Sendable (Counter) async throws -> Histogram<UInt64>?
    ) async throws -> Phase {
        let done = Counter()
        let before = try await RedisStats.read(bench.stats)
        let cpuBefore = processCPUSeconds()
        let start = ContinuousClock.now
        let outcome = try await withinBudget(bench.budget) { try await work(done) }
        let elapsed = seconds(start.duration(to: .now))
        let cpu = processCPUSeconds() - cpuBefore
        let delta = try await RedisStats.read(bench.stats).since(before)
        switch outcome {
        case .finished(let latency):
            return Phase(
                items: items, done: items, seconds: elapsed, stopped: false, latency: latency, redis: delta,
                cpuSeconds: cpu)
        case .stopped:
            return Phase(
                items: items, done: done.value, seconds: elapsed, stopped: true, latency: nil, redis: delta,
                cpuSeconds: cpu)
        }
    }

    /// `count` workflows of `steps` sequential tasks, `bench.inflight` at a time.
    static func chain(_ count: Int, steps: Int, fleet: Fleet, bench: Bench) async throws -> Phase {
        let stub = fleet.client.workflow(ChainStub.self)
        return try await phase(bench, items: count) { done in
            try await runWindowed(count, window: bench.inflight, done: done) { index in
                let result = try await stub.run(index, steps: steps)
                guard result == index + steps else {
                    throw ShapesError.wrongResult("chain of \(steps)", expected: index + steps, got: result)
                }
            }
        }
    }

    /// `parallel` workflows of `steps` sequential tasks each, all in flight at once; the items are the steps (a
    /// long method's history grows by one step per task: the cost per step must not grow with it).
    static func longChains(_ steps: Int, parallel: Int, fleet: Fleet, bench: Bench) async throws -> Phase {
        let stub = fleet.client.workflow(ChainStub.self)
        return try await phase(bench, items: steps * parallel) { done in
            try await withThrowingDiscardingTaskGroup { group in
                for index in 0..<parallel {
                    group.addTask {
                        let result = try await stub.run(index, steps: steps)
                        guard result == index + steps else {
                            throw ShapesError.wrongResult("chain of \(steps)", expected: index + steps, got: result)
                        }
                        done.add(steps)
                    }
                }
            }
            return nil
        }
    }

    /// One workflow dispatching `width` tasks and joining them; the items are the tasks.
    static func fanOut(_ width: Int, fleet: Fleet, bench: Bench) async throws -> Phase {
        let stub = fleet.client.workflow(FanOutStub.self)
        return try await phase(bench, items: width) { _ in
            let sum = try await stub.run(width)
            guard sum == width * (width - 1) / 2 else {
                throw ShapesError.wrongResult("fan-out of \(width)", expected: width * (width - 1) / 2, got: sum)
            }
            return nil
        }
    }

    /// `count` calls of `step` on one long-lived instance (by its id), `bench.inflight` at a time; the
    /// instance is started first and ended afterwards (its gate opened), outside the measure.
    static func methods(_ count: Int, fleet: Fleet, bench: Bench) async throws -> Phase {
        let client = fleet.client
        let key = UUID().uuidString
        let main = try await client.dispatch { try await client.workflow(LongLivedStub.self).hold(key) }
        let deadline = ContinuousClock.now + .seconds(30)
        while fleet.gate.waiting(key) == 0 {
            guard ContinuousClock.now < deadline else { throw ShapesError.stuck("the long-lived instance") }
            try await Task.sleep(for: .milliseconds(5))
        }
        let instance = client.workflow(LongLivedStub.self, id: main.id)
        let measured = try await phase(bench, items: count) { done in
            try await runWindowed(count, window: bench.inflight, done: done) { index in
                let result = try await instance.step(index)
                guard result == index else { throw ShapesError.wrongResult("method", expected: index, got: result) }
            }
        }
        if !measured.stopped {
            fleet.gate.open(key)
            _ = try await main.result(timeout: .seconds(120))
        }
        return measured
    }

    /// A little of every shape, so that every role has started, loaded its scripts and created its groups
    /// before anything is measured.
    static func warmUp(_ fleet: Fleet, bench: Bench) async throws {
        let client = fleet.client
        let outcome = try await withinBudget(.seconds(120)) {
            let chain = client.workflow(ChainStub.self)
            _ = try await runWindowed(20, window: 10) { _ = try await chain.run($0, steps: 2) }
            _ = try await client.workflow(FanOutStub.self).run(10)
            let key = UUID().uuidString
            let main = try await client.dispatch { try await client.workflow(LongLivedStub.self).hold(key) }
            let instance = client.workflow(LongLivedStub.self, id: main.id)
            for index in 0..<5 { _ = try await instance.step(index) }
            fleet.gate.open(key)
            _ = try await main.result()
        }
        guard case .finished = outcome else { throw ShapesError.stuck("the warm-up") }
    }

    /// Redis commands per second of the fleet doing nothing for `measure`, after `settle`.
    static func idle(_ bench: Bench, settle: Duration, measure: Duration) async throws -> (Double, RedisStats) {
        try await Task.sleep(for: settle)
        let before = try await RedisStats.read(bench.stats)
        let start = ContinuousClock.now
        try await Task.sleep(for: measure)
        let delta = try await RedisStats.read(bench.stats).since(before)
        return (Double(delta.commands) / seconds(start.duration(to: .now)), delta)
    }
}
