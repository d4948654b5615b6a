import Foundation
import Infinitic
import Synchronization
import TestSupport
import Testing

/// Sticky replay on every transport: a state engine replaying inline keeps each method's replay parked between
/// its workflow tasks and resumes it with what changed, so the code after an `await` runs once, and long methods
/// cost what each step adds. Results are those of replays from the start: with the cache, with a cache too small
/// to hold every instance (parked replays dropped and replayed from the start), and without it.
@Suite(.timeLimit(.minutes(2))) struct StickyReplayRuntimeTests {
    /// Sequential steps of one method: each loop turn's code runs once with sticky replay; from the start, every
    /// later workflow task runs it again. The method outgrows its record's tail, so its oldest past steps and
    /// command ids go to sealed chunks, which full workflow tasks read back.
    @Test(arguments: TransportKind.allCases) func aLongMethodRunsEachTurnOnceWithStickyReplay(
        _ kind: TransportKind
    ) async throws {
        let steps = 40
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            for stickyReplays in [1_000, 0] {
                let key = RuntimeSystem.uniqueKey("turns-\(stickyReplays)")
                let total = try await system.withStickyWorker(stickyReplays: stickyReplays) {
                    try await system.client.workflow(StickyChainStub.self).run(key, steps: steps)
                }
                #expect(total == steps * (steps - 1) / 2)
                let runs = StickyChainImpl.turns.count(key)
                if stickyReplays > 0 {
                    #expect(runs == steps, "each turn ran once")
                } else {
                    // Workflow task k (1 to steps) runs turns 0 to k - 1; the last one runs them all to return.
                    #expect(runs == steps * (steps + 1) / 2 + steps, "every workflow task replayed the turns before")
                }
            }
        }
    }

    /// Instances running at once with room for only two parked replays: the others are dropped and replay from
    /// the start; with a fan-out, a join, a race and properties, every result is the one of plain replays.
    @Test(arguments: [TransportKind.memory, .redis]) func aCacheTooSmallForTheInstancesKeepsResultsRight(
        _ kind: TransportKind
    ) async throws {
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let results = try await system.withStickyWorker(stickyReplays: 2) {
                try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                    for index in 0..<8 {
                        group.addTask {
                            let key = RuntimeSystem.uniqueKey("mixed")
                            return (index, try await system.client.workflow(StickyChainStub.self).mixed(key, index))
                        }
                    }
                    return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
                }
            }
            for index in 0..<8 { #expect(results[index] == StickyChainImpl.expectedMixed(index), "instance \(index)") }
        }
    }
}

@Service protocol StickyEcho: Sendable {
    func echo(_ value: Int) async throws -> Int
}

struct StickyEchoImpl: StickyEcho {
    func echo(_ value: Int) async throws -> Int { value }
}

@Workflow protocol StickyChain: Sendable {
    /// Sums `echo(0..<steps)`, one task after the other, counting each loop turn's runs under `key`.
    func run(_ key: String, steps: Int) async throws -> Int
    /// A fan-out of three joined, a race of two, a property carried across steps, five sequential tasks.
    func mixed(_ key: String, _ seed: Int) async throws -> Int
}

struct StickyChainImpl: StickyChain {
    let context: WorkflowContext
    @WorkflowProperty("carried") var carried: Int = 0

    /// How many times each key's loop turns ran.
    static let turns = RunCounter()

    func run(_ key: String, steps: Int) async throws -> Int {
        let echo = context.service(StickyEchoStub.self)
        var total = 0
        for step in 0..<steps {
            Self.turns.add(key)
            total += try await echo.echo(step)
        }
        return total
    }

    func mixed(_ key: String, _ seed: Int) async throws -> Int {
        let echo = context.service(StickyEchoStub.self)
        var branches: [Deferred<Int>] = []
        for index in 0..<3 { branches.append(try await context.dispatch { try await echo.echo(seed + index) }) }
        carried = try await branches.and().value.reduce(0, +)
        let first = try await context.dispatch { try await echo.echo(100) }
        let second = try await context.dispatch { try await echo.echo(100) }
        carried += try await first.or(second).value
        for step in 0..<5 { carried += try await echo.echo(step) }
        return carried
    }

    static func expectedMixed(_ seed: Int) -> Int { 3 * seed + 3 + 100 + 10 }
}

/// Counts events by key, across replays.
final class RunCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func add(_ key: String) { counts.withLock { $0[key, default: 0] += 1 } }
    func count(_ key: String) -> Int { counts.withLock { $0[key] ?? 0 } }
}

extension RuntimeSystem {
    /// Runs `body` with a worker serving `StickyChain` and `StickyEcho`, keeping up to `stickyReplays` replays
    /// parked.
    func withStickyWorker<T: Sendable>(stickyReplays: Int, _ body: () async throws -> T) async throws -> T {
        try await withWorker(
            name: "sticky-worker-\(stickyReplays)",
            services: [ServiceDefinition(StickyEchoStub.self, implementation: StickyEchoImpl())],
            workflows: [WorkflowDefinition(StickyChainStub.self) { StickyChainImpl(context: $0) }],
            configure: { $0.stickyReplays = stickyReplays }, body)
    }
}
