import Dispatch
import Foundation
import Synchronization

/// Runs the consumers' renewals from a thread of its own, off Swift's cooperative pool.
///
/// A live consumer renews the messages and key locks it holds, or another consumer takes them back as lost after
/// the visibility timeout. Renewing from a task made a live consumer look dead whenever the pool was busy: service
/// code doing CPU-bound work on every cooperative thread (or a stalled machine) delayed the renewal past the
/// visibility timeout, and a message still running was handed to another worker and ran twice. Here a plain thread
/// wakes at each job's due time and calls it; a job only writes its commands to a connection
/// (`RedisClient.sendDetached`), whose own thread sends them and reads the reply.
final class RenewalThread: Sendable {
    private struct Job {
        var period: Duration
        var due: ContinuousClock.Instant
        var body: @Sendable () -> Void
    }

    private struct State {
        var jobs: [Int: Job] = [:]
        var nextID = 0
        var started = false
        var stopped = false
    }

    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)
    private let name: String

    init(name: String = "redis-renewals") {
        self.name = name
    }

    /// Calls `body` on the thread every `period` (the first time one period from now) until `cancel(_:)` is
    /// called with the returned id. `body` must be short: it runs on the thread every job shares. Starts the
    /// thread on first use; after `stop()`, nothing is scheduled and nil is returned.
    func schedule(every period: Duration, _ body: @escaping @Sendable () -> Void) -> Int? {
        let (id, start): (Int?, Bool) = state.withLock { state in
            guard !state.stopped else { return (nil, false) }
            let id = state.nextID
            state.nextID += 1
            state.jobs[id] = Job(period: period, due: .now + period, body: body)
            defer { state.started = true }
            return (id, !state.started)
        }
        if start {
            let thread = Thread { [self] in run() }
            thread.name = name
            thread.start()
        } else if id != nil {
            wakeup.signal()  // The new job may be due before the thread's next wake-up.
        }
        return id
    }

    /// Calls a job at `instant` if that is sooner than its next call (a renewal that failed is tried again soon,
    /// not a whole period later); its period then counts from that call.
    func bringForward(_ id: Int, to instant: ContinuousClock.Instant) {
        let sooner: Bool = state.withLock { state in
            guard let due = state.jobs[id]?.due, instant < due else { return false }
            state.jobs[id]!.due = instant
            return true
        }
        if sooner { wakeup.signal() }
    }

    /// Stops calling a job (a call already started finishes).
    func cancel(_ id: Int) {
        state.withLock { _ = $0.jobs.removeValue(forKey: id) }
    }

    /// Ends the thread; later `schedule` calls are refused.
    func stop() {
        state.withLock {
            $0.stopped = true
            $0.jobs = [:]
        }
        wakeup.signal()
    }

    /// The thread's body.
    private func run() {
        while true {
            let now = ContinuousClock.now
            let (due, next, stopped): ([@Sendable () -> Void], ContinuousClock.Instant?, Bool) = state.withLock {
                state in
                var due: [@Sendable () -> Void] = []
                var next: ContinuousClock.Instant?
                for id in state.jobs.keys {
                    if state.jobs[id]!.due <= now {
                        due.append(state.jobs[id]!.body)
                        // The next call one period from now: a late wake-up does not make calls pile up.
                        state.jobs[id]!.due = now + state.jobs[id]!.period
                    }
                    next = min(next ?? state.jobs[id]!.due, state.jobs[id]!.due)
                }
                return (due, next, state.stopped)
            }
            if stopped { return }
            for body in due { body() }
            guard let next else {
                wakeup.wait()
                continue
            }
            let wait = ContinuousClock.now.duration(to: next)
            if wait > .zero {
                let (seconds, attoseconds) = wait.components
                let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
                _ = wakeup.wait(timeout: .now() + .nanoseconds(nanoseconds))
            }
        }
    }
}
