import Foundation
import Infinitic
import TestSupport
import Testing

/// Sticky routing on every transport, with split roles (one worker runs the state engine, others only the
/// workflow executor): the executor that keeps a long method's replay parked gets its next workflow task on its
/// own topic with only what changed, so each loop turn runs once whichever executor the shared topic would pick;
/// an executor that stops hands its methods over to the others at once (one killed leaves them after
/// `stickyTaskTimeout`: `StickyRoutingCrashTests`); one whose cache dropped the replay has the task sent again whole
/// at once. Results are always those of replays from the start.
@Suite(.timeLimit(.minutes(2))) struct StickyRoutingRuntimeTests {
    static let workflowName = WorkflowDefinition(LongChainStub.self) { LongChainImpl(context: $0) }.name

    @Test(arguments: TransportKind.allCases) func aLongMethodsTasksGoToTheExecutorKeepingItsReplay(
        _ kind: TransportKind
    ) async throws {
        let steps = 60
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let kinds = TaskKinds()
            let key = RuntimeSystem.uniqueKey("routed")
            let total = try await system.withEngineWorker {
                try await system.withExecutor("a", interceptor: kinds) {
                    try await system.withExecutor("b", interceptor: kinds) {
                        try await system.client.workflow(LongChainStub.self).run(key, steps: steps, gateAt: -1)
                    }
                }
            }
            #expect(total == steps * (steps - 1) / 2)
            // The method outgrows its record after 16 steps: its later tasks carry only what changed.
            let (whole, partial) = kinds.counts
            #expect(partial >= steps - 25, "\(partial) tasks with only what changed, \(whole) whole")
            // Replays from the start would run the turns 1,890 times; routed, each later turn runs once.
            let runs = LongChainImpl.turns.count(key)
            #expect(runs < 400, "turns ran \(runs) times")
        }
    }

    /// The executor keeping the replay stops while the method waits at a gate, and hands it over; another starts.
    /// The next task goes whole to the shared topic at once (not after the minute of sticky timeout), and the
    /// method ends with the right result, its later tasks routed to the new executor.
    @Test(arguments: [TransportKind.memory, .redis]) func anExecutorThatStopsHandsItsMethodsOverAtOnce(
        _ kind: TransportKind
    ) async throws {
        let steps = 40
        let gateAt = 25
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let key = RuntimeSystem.uniqueKey("gone")
            let (first, second) = (TaskKinds(), TaskKinds())
            let total = try await system.withEngineWorker(stickyTaskTimeout: .seconds(60)) {
                let handle = try await system.withExecutor("first", interceptor: first) {
                    let chain = system.client.workflow(LongChainStub.self)
                    let handle = try await system.client.dispatch {
                        try await chain.run(key, steps: steps, gateAt: gateAt)
                    }
                    while system.controls.started(key) == 0 { try await Task.sleep(for: .milliseconds(20)) }
                    return handle
                }
                #expect(first.counts.partial > 0, "the first executor got routed tasks")
                return try await system.withExecutor("second", interceptor: second) {
                    let opened = ContinuousClock.now
                    system.controls.open(key)
                    let total = try await handle.result()
                    #expect(ContinuousClock.now - opened < .seconds(30), "handed over, not timed out")
                    return total
                }
            }
            #expect(total == steps * (steps - 1) / 2)
            let (whole, partial) = second.counts
            #expect(whole >= 1, "the task after the gate went whole to the second executor")
            #expect(partial >= steps - gateAt - 5, "its later tasks were routed to it (\(partial), \(whole) whole)")
        }
    }

    /// Executors keeping one replay each for four long methods running at once: most routed tasks find their
    /// replay dropped and are sent again whole; every result is right.
    @Test(arguments: [TransportKind.memory, .redis]) func tasksWhoseReplayWasDroppedAreSentAgainWhole(
        _ kind: TransportKind
    ) async throws {
        let steps = 30
        try await RuntimeSystem.run(kind, startWorker: false) { system in
            let kinds = TaskKinds()
            let totals = try await system.withEngineWorker {
                try await system.withExecutor("small", stickyReplays: 1, interceptor: kinds) {
                    try await withThrowingTaskGroup(of: Int.self) { group in
                        for _ in 0..<4 {
                            group.addTask {
                                let key = RuntimeSystem.uniqueKey("dropped")
                                return try await system.client.workflow(LongChainStub.self)
                                    .run(key, steps: steps, gateAt: -1)
                            }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                }
            }
            #expect(totals == Array(repeating: steps * (steps - 1) / 2, count: 4))
            #expect(kinds.wholeAfterRouted > 0, "some routed tasks missed their replay and came again whole")
        }
    }
}

@Service protocol LongChainGate: Sendable {
    /// Returns `step`, after the gate `key` opens when `step == gateAt`.
    func pass(_ key: String, _ step: Int, gateAt: Int) async throws -> Int
}

struct LongChainGateImpl: LongChainGate {
    let controls: Controls

    func pass(_ key: String, _ step: Int, gateAt: Int) async throws -> Int {
        if step == gateAt {
            controls.recordStart(key)
            await controls.pass(key)
        }
        return step
    }
}

@Workflow protocol LongChain: Sendable {
    /// Sums `pass(0..<steps)`, one task after the other, counting each loop turn's runs under `key`.
    func run(_ key: String, steps: Int, gateAt: Int) async throws -> Int
}

struct LongChainImpl: LongChain {
    let context: WorkflowContext

    static let turns = RunCounter()

    func run(_ key: String, steps: Int, gateAt: Int) async throws -> Int {
        let gate = context.service(LongChainGateStub.self)
        var total = 0
        for step in 0..<steps {
            Self.turns.add(key)
            total += try await gate.pass(key, step, gateAt: gateAt)
        }
        return total
    }
}

extension RuntimeSystem {
    /// Runs `body` with a worker running every role of `LongChain` and its gate but the workflow executor.
    func withEngineWorker<T: Sendable>(
        stickyTaskTimeout: Duration = .seconds(10), _ body: () async throws -> T
    ) async throws -> T {
        try await withWorker(
            name: "long-chain-engine", services: [longChainGate], workflows: [longChain],
            configure: { configuration in
                configuration.roles = configuration.resolvedRoles.filter {
                    $0 != .workflowExecutor(StickyRoutingRuntimeTests.workflowName)
                }
                configuration.stickyTaskTimeout = stickyTaskTimeout
            }, body)
    }

    /// Runs `body` with a worker running only the workflow executor of `LongChain`, keeping up to `stickyReplays`
    /// replays parked.
    func withExecutor<T: Sendable>(
        _ name: String, stickyReplays: Int = 1_000, interceptor: TaskKinds, _ body: () async throws -> T
    ) async throws -> T {
        try await withWorker(
            name: "long-chain-executor-\(name)", services: [], workflows: [longChain],
            configure: { configuration in
                configuration.roles = [.workflowExecutor(StickyRoutingRuntimeTests.workflowName)]
                configuration.stickyReplays = stickyReplays
                configuration.interceptors = [interceptor]
            }, body)
    }

    private var longChain: WorkflowDefinition { WorkflowDefinition(LongChainStub.self) { LongChainImpl(context: $0) } }
    private var longChainGate: ServiceDefinition {
        ServiceDefinition(LongChainGateStub.self, implementation: LongChainGateImpl(controls: controls))
    }
}
