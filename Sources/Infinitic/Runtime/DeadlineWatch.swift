import Dispatch
import Synchronization

/// Runs an action when its deadline passes, unless it was removed first: the deadlines of every `TimeLimit`
/// of the process, watched by one dispatch timer, instead of a sleeping task each (a task, a timer and a
/// cancellation per workflow task and per task run, nearly all of them removed long before they are due).
///
/// Deadlines of one duration are added in the order they fall due, so each duration keeps a list in that order
/// (removing from it costs nothing); the timer is armed at the earliest head.
final class DeadlineWatch: Sendable {
    /// The watch of every time limit of the process.
    static let shared = DeadlineWatch()

    /// A deadline added to the watch: remove it when its action is no longer needed.
    final class Entry: @unchecked Sendable {
        // Mutated under the watch's lock only.
        fileprivate let due: ContinuousClock.Instant
        fileprivate let duration: Duration
        fileprivate let action: @Sendable () -> Void
        fileprivate var previous: Entry?
        fileprivate var next: Entry?
        fileprivate var isListed = false

        fileprivate init(due: ContinuousClock.Instant, duration: Duration, action: @escaping @Sendable () -> Void) {
            self.due = due
            self.duration = duration
            self.action = action
        }
    }

    /// The entries of one duration, earliest first.
    private struct List {
        var head: Entry?
        var tail: Entry?
    }

    private struct State {
        var lists: [Duration: List] = [:]
        /// Used under the lock only.
        let timer: any DispatchSourceTimer
        /// When the timer fires next (nil: not armed).
        var armedFor: ContinuousClock.Instant?
    }

    private let state: Mutex<State>

    init() {
        state = Mutex(
            State(timer: DispatchSource.makeTimerSource(queue: DispatchQueue(label: "infinitic.deadline-watch"))))
        state.withLock { state in
            state.timer.setEventHandler { [weak self] in self?.fire() }
            state.timer.activate()
        }
    }

    deinit {
        state.withLock { $0.timer.cancel() }
    }

    /// Runs `action` (on the watch's queue) once `duration` has passed, unless the entry is removed first.
    func add(after duration: Duration, _ action: @escaping @Sendable () -> Void) -> Entry {
        state.withLock { state in
            // Stamped under the lock: the entries of a list are then in the order they fall due.
            let entry = Entry(due: .now + duration, duration: duration, action: action)
            var list = state.lists[duration] ?? List()
            entry.previous = list.tail
            list.tail?.next = entry
            list.tail = entry
            if list.head == nil { list.head = entry }
            entry.isListed = true
            state.lists[duration] = list
            if state.armedFor.map({ entry.due < $0 }) ?? true { arm(for: entry.due, state: &state) }
            return entry
        }
    }

    /// Forgets `entry`: its action will not run (unless it is running already).
    func remove(_ entry: Entry) {
        state.withLock { state in
            guard entry.isListed, var list = state.lists[entry.duration] else { return }
            unlink(entry, from: &list)
            if list.head == nil { state.lists[entry.duration] = nil } else { state.lists[entry.duration] = list }
            // The timer stays armed: firing early finds nothing due and arms again.
        }
    }

    /// How many deadlines are watched.
    var count: Int {
        state.withLock { state in
            var count = 0
            for list in state.lists.values {
                var entry = list.head
                while let current = entry {
                    count += 1
                    entry = current.next
                }
            }
            return count
        }
    }

    private func fire() {
        let now = ContinuousClock.now
        let due = state.withLock { state -> [Entry] in
            state.armedFor = nil
            var due: [Entry] = []
            var earliest: ContinuousClock.Instant?
            for (duration, var list) in state.lists {
                while let head = list.head, head.due <= now {
                    unlink(head, from: &list)
                    due.append(head)
                }
                if let head = list.head {
                    earliest = min(earliest ?? head.due, head.due)
                    state.lists[duration] = list
                } else {
                    state.lists[duration] = nil
                }
            }
            if let earliest { arm(for: earliest, state: &state) }
            return due
        }
        for entry in due { entry.action() }
    }

    private func unlink(_ entry: Entry, from list: inout List) {
        if let previous = entry.previous { previous.next = entry.next } else { list.head = entry.next }
        if let next = entry.next { next.previous = entry.previous } else { list.tail = entry.previous }
        entry.previous = nil
        entry.next = nil
        entry.isListed = false
    }

    private func arm(for instant: ContinuousClock.Instant, state: inout State) {
        state.armedFor = instant
        let delay = max(.zero, ContinuousClock.now.duration(to: instant))
        state.timer.schedule(deadline: .now() + delay.inSeconds, leeway: .milliseconds(1))
    }
}
