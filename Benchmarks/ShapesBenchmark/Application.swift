// The measured application: one service task (`Echo.echo`) and the workflow shapes users run with it.
import Infinitic
import Synchronization

@Service protocol Echo: Sendable {
    func echo(_ value: Int) async throws -> Int
}

struct EchoService: Echo {
    func echo(_ value: Int) async throws -> Int { value }
}

/// Holds the main method of a long-lived instance until the benchmark opens its gate.
@Service protocol Gate: Sendable {
    func pass(_ key: String) async throws -> Int
}

/// The gates of one fleet, by key: closed until `open(key)`; counts the tasks waiting at each.
final class GateService: Gate, Sendable {
    private let state = Mutex((opened: Set<String>(), allOpen: false, waiting: [String: Int]()))

    func pass(_ key: String) async throws -> Int {
        state.withLock { $0.waiting[key, default: 0] += 1 }
        defer { state.withLock { $0.waiting[key, default: 0] -= 1 } }
        while !state.withLock({ $0.allOpen || $0.opened.contains(key) }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        return 0
    }

    func open(_ key: String) { state.withLock { _ = $0.opened.insert(key) } }
    /// Opens every gate, those not yet waited at too (the fleet is stopping).
    func openAll() { state.withLock { $0.allOpen = true } }
    func waiting(_ key: String) -> Int { state.withLock { $0.waiting[key] ?? 0 } }
}

/// `steps` sequential tasks (one-task workflows: 1; the ten-step shape: 10); returns `value + steps`.
@Workflow protocol Chain: Sendable {
    func run(_ value: Int, steps: Int) async throws -> Int
}

struct ChainWorkflow: Chain {
    let context: WorkflowContext
    func run(_ value: Int, steps: Int) async throws -> Int {
        let echo = context.service(EchoStub.self)
        var current = value
        for _ in 0..<steps { current = try await echo.echo(current + 1) }
        return current
    }
}

/// Dispatches `width` tasks at once, then joins them (`[Deferred].and()`); returns the sum of 0..<width.
@Workflow protocol FanOut: Sendable {
    func run(_ width: Int) async throws -> Int
}

struct FanOutWorkflow: FanOut {
    let context: WorkflowContext
    func run(_ width: Int) async throws -> Int {
        let echo = context.service(EchoStub.self)
        var branches: [Deferred<Int>] = []
        branches.reserveCapacity(width)
        for index in 0..<width { branches.append(try await context.dispatch { try await echo.echo(index) }) }
        return try await branches.and().value.reduce(0, +)
    }
}

/// A long-lived instance: `hold` (its first method) waits at a gate; clients call `step` on it by id, each
/// running one task.
@Workflow protocol LongLived: Sendable {
    func hold(_ gate: String) async throws -> Int
    func step(_ value: Int) async throws -> Int
}

struct LongLivedWorkflow: LongLived {
    let context: WorkflowContext
    func hold(_ gate: String) async throws -> Int { try await context.service(GateStub.self).pass(gate) }
    func step(_ value: Int) async throws -> Int { try await context.service(EchoStub.self).echo(value) }
}
