import Synchronization

/// What one runtime test controls in its services: gates that hold a task until the test opens them (a held
/// task ignores cancellation, like blocking code would), and counts of started attempts, by key. Every test
/// gets its own, so tests running in parallel do not interfere.
final class Controls: Sendable {
    private struct Gate {
        var open = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private struct State {
        var gates: [String: Gate] = [:]
        var started: [String: Int] = [:]
    }

    private let state = Mutex(State())

    /// Counts an attempt of `key`.
    func recordStart(_ key: String) {
        state.withLock { $0.started[key, default: 0] += 1 }
    }

    /// How many attempts of `key` started.
    func started(_ key: String) -> Int {
        state.withLock { $0.started[key] ?? 0 }
    }

    /// Waits until the gate `key` opens; cancellation does not end the wait.
    func pass(_ key: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let openNow = state.withLock { state -> Bool in
                if state.gates[key]?.open == true { return true }
                state.gates[key, default: Gate()].waiters.append(continuation)
                return false
            }
            if openNow { continuation.resume() }
        }
    }

    /// Waits until the gate `key` opens or the task is cancelled (then throws `CancellationError`).
    func passCancellably(_ key: String) async throws {
        while state.withLock({ $0.gates[key]?.open != true }) {
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func open(_ key: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.gates[key, default: Gate()].open = true
            defer { state.gates[key]?.waiters = [] }
            return state.gates[key]?.waiters ?? []
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Opens every gate (a test's cleanup: nothing stays held).
    func openAll() {
        let keys = state.withLock { Array($0.gates.keys) }
        for key in keys { open(key) }
    }
}
