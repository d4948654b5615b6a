import Synchronization

/// A counting semaphore for bounded concurrency that hands out permits in batches: a consumer reads as many
/// messages as it has free handler slots.
package final class Permits: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var nextWaiterID = 0
    }

    private let state: Mutex<State>

    package init(_ count: Int) {
        state = Mutex(State(available: count))
    }

    /// Waits until at least one permit is free, then takes up to `limit`. Returns 0 if the task is cancelled.
    package func acquire(upTo limit: Int) async -> Int {
        while true {
            let taken = state.withLock { state -> Int in
                let count = min(limit, state.available)
                state.available -= count
                return count
            }
            if taken > 0 { return taken }
            if Task.isCancelled { return 0 }
            let id = state.withLock { state -> Int in
                defer { state.nextWaiterID += 1 }
                return state.nextWaiterID
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.available > 0 || Task.isCancelled { return true }
                        state.waiters.append((id, continuation))
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index).continuation
                }
                waiter?.resume()
            }
        }
    }

    package func release(_ count: Int = 1) {
        guard count > 0 else { return }
        let waiters = state.withLock { state in
            state.available += count
            let woken = state.waiters
            state.waiters.removeAll()
            return woken
        }
        for waiter in waiters { waiter.continuation.resume() }
    }

    /// Permits currently free.
    package var available: Int { state.withLock { $0.available } }
}
