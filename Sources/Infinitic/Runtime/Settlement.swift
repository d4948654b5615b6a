import Synchronization

/// A value set once by whichever party gets there first, awaited by any number of tasks.
final class Settlement<Value: Sendable>: Sendable {
    /// Why a waiter woke up.
    private enum Wake: Sendable {
        case value(Value)
        case cancelled
        case timedOut
    }

    private struct State {
        var value: Value?
        var waiters: [Int: CheckedContinuation<Wake, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    /// Sets the value unless one is set already; wakes the waiters. Returns whether this call set it.
    @discardableResult
    func settle(_ value: Value) -> Bool {
        let waiters = state.withLock { state -> [CheckedContinuation<Wake, Never>]? in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(returning: .value(value)) }
        return true
    }

    /// Whether the value is set.
    var isSettled: Bool { state.withLock { $0.value != nil } }

    /// The value, once set; nil if the waiting task is cancelled first.
    func wait() async -> Value? {
        if case .value(let value) = await wake(timeout: nil) { return value }
        return nil
    }

    /// The value, once set; nil if `timeout` passes first (`timedOut` is then true) or the waiting task is
    /// cancelled. The time limit is watched by `DeadlineWatch`: no task is started for it.
    func wait(timeout: Duration) async -> (value: Value?, timedOut: Bool) {
        switch await wake(timeout: timeout) {
        case .value(let value): (value, false)
        case .timedOut: (nil, true)
        case .cancelled: (nil, false)
        }
    }

    private func wake(timeout: Duration?) async -> Wake {
        let id = state.withLock { state -> Int in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        var deadline: DeadlineWatch.Entry?
        defer { deadline.map(DeadlineWatch.shared.remove) }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Wake, Never>) in
                let now = state.withLock { state -> Wake? in
                    if let value = state.value { return .value(value) }
                    if Task.isCancelled { return .cancelled }
                    state.waiters[id] = continuation
                    return nil
                }
                if let now {
                    continuation.resume(returning: now)
                } else if let timeout {
                    deadline = DeadlineWatch.shared.add(after: timeout) { self.wakeWaiter(id, .timedOut) }
                }
            }
        } onCancel: {
            wakeWaiter(id, .cancelled)
        }
    }

    /// Wakes one waiter, if it still waits.
    private func wakeWaiter(_ id: Int, _ wake: Wake) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: wake)
    }
}
