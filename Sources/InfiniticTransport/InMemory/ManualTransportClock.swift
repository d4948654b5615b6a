import Foundation
import Synchronization

/// A clock that only moves when told to: `advance(by:)` and `advance(to:)` wake the tasks whose deadline
/// has been reached. Use it to test scheduled delivery and retries without waiting.
///
/// Every delay of a transport on this clock waits for it, including the backoff before a thrown handler's
/// message is retried (`HandlerRunner.retryDelay`, 100 ms after a first failure).
public final class ManualTransportClock: TransportClock {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Int: Sleeper] = [:]
        var nextSleeperID = 0
    }

    private let state: Mutex<State>

    /// A clock reading `now` until advanced.
    public init(now: Date = Date(timeIntervalSince1970: 1_700_000_000)) {
        state = Mutex(State(now: now))
    }

    public func now() -> Date { state.withLock { $0.now } }

    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { state -> Int in
            defer { state.nextSleeperID += 1 }
            return state.nextSleeperID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward by `duration` and wakes the sleepers now due.
    public func advance(by duration: Duration) {
        let delta = duration.timeInterval
        advance { $0.addingTimeInterval(delta) }
    }

    /// Moves the clock to `instant` (if later than now) and wakes the sleepers now due.
    public func advance(to instant: Date) {
        advance { max($0, instant) }
    }

    /// The deadlines of the tasks sleeping on this clock, soonest first. A test can wait for the transport's
    /// scheduler to be asleep before moving time.
    public var sleepingDeadlines: [Date] {
        state.withLock { $0.sleepers.values.map(\.deadline).sorted() }
    }

    private func advance(_ move: (Date) -> Date) {
        let due = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.now = move(state.now)
            let now = state.now
            let ids = state.sleepers.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { state.sleepers.removeValue(forKey: $0)?.continuation }
        }
        for continuation in due { continuation.resume() }
    }
}
