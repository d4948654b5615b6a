import Synchronization

/// Set while the closure given to `InfiniticClient.dispatch` runs: the stub call inside it only starts the
/// method and records what it started here, then throws `ClientDispatchSignal` to end the closure.
final class ClientDispatchCapture: Sendable {
    enum Mode: Sendable {
        /// `dispatch`: a new instance or a method of one instance, awaited through a handle.
        case single
        /// `dispatchByTag`: a method on every instance carrying a tag.
        case byTag
        /// `schedule`: records the new instance's method and arguments, starts nothing.
        case schedule
    }

    /// A call recorded by `schedule`: what each tick starts.
    struct Scheduled: Sendable {
        var workflowName: String
        var methodName: String
        var arguments: [Payload]
        var tags: Set<String>
        var meta: [String: String]
    }

    /// A method started by `dispatch`.
    struct Started: Sendable {
        var workflowName: String
        var workflowId: String
        var methodId: String
        var waiter: MethodWaiter
    }

    let mode: Mode
    private let captured = Mutex<Started?>(nil)
    private let calls = Atomic<Int>(0)
    private let scheduledCall = Mutex<Scheduled?>(nil)

    init(mode: Mode) {
        self.mode = mode
    }

    @TaskLocal static var current: ClientDispatchCapture?

    /// Counts a stub call; only the first one of a closure may dispatch.
    func beginCall() throws {
        guard calls.add(1, ordering: .relaxed).newValue == 1 else {
            throw InfiniticError(.invalidUsage, "a dispatch closure must call exactly one method of a workflow stub")
        }
    }

    func record(_ started: Started) {
        captured.withLock { $0 = started }
    }

    var started: Started? { captured.withLock { $0 } }

    func record(_ scheduled: Scheduled) {
        scheduledCall.withLock { $0 = scheduled }
    }

    var scheduled: Scheduled? { scheduledCall.withLock { $0 } }
    var callCount: Int { calls.load(ordering: .relaxed) }
}

/// Thrown by a stub call inside a dispatch closure once the method is started; `dispatch` catches it.
struct ClientDispatchSignal: Error {}
