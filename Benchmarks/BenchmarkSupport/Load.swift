// How the benchmarks drive load: a fixed number of calls with a fixed number in flight (each call's latency
// in an HDR histogram), and a time budget past which a phase is stopped rather than awaited.
import Histogram

/// Runs `call(index)` for every index in `0..<count`, `window` at a time (a new call starts when one ends);
/// returns the microseconds each call took. `done` counts the calls that ended.
public func runWindowed(
    _ count: Int, window: Int, done: Counter = Counter(), _ call: @escaping @Sendable (Int) async throws -> Void
) async throws -> Histogram<UInt64> {
    var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    try await withThrowingTaskGroup(of: UInt64.self) { group in
        var next = 0
        func launch() {
            let index = next
            next += 1
            group.addTask {
                let began = ContinuousClock.now
                try await call(index)
                done.increment()
                return UInt64(seconds(began.duration(to: .now)) * 1_000_000)
            }
        }
        while next < min(window, count) { launch() }
        for try await microseconds in group {
            _ = histogram.record(microseconds)
            if next < count { launch() }
        }
    }
    return histogram
}

/// What `withinBudget` ended with.
public enum BudgetOutcome<Value: Sendable>: Sendable {
    case finished(Value)
    /// The budget ran out first: the work was cancelled.
    case stopped
}

/// Runs `work` for at most `budget`; past it, cancels `work`, waits for it to end and returns `.stopped`.
/// `work` must end promptly when cancelled (awaiting a client call does).
public func withinBudget<Value: Sendable>(
    _ budget: Duration, _ work: @escaping @Sendable () async throws -> Value
) async throws -> BudgetOutcome<Value> {
    try await withThrowingTaskGroup(of: BudgetOutcome<Value>.self) { group in
        group.addTask { .finished(try await work()) }
        group.addTask {
            try await Task.sleep(for: budget)
            return .stopped
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
