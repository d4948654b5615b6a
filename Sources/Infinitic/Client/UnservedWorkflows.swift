import Foundation
import Logging
import Synchronization

/// What a client does when it dispatches to a workflow that no worker has ever served (no consumer group ever
/// subscribed to its engine's topic: a typo in a name, a deployment missing a role).
public enum UnservedWorkflowPolicy: Sendable, Hashable {
    /// Throws `InfiniticError.unserved` once no worker has registered after `grace` (a fleet whose workers
    /// start at the same moment as the client registers within it).
    case fail(after: Duration)
    /// Dispatches anyway, logging a warning: the message waits in its topic for a worker to start.
    case warn

    /// Fails after 10 seconds (room for workers starting with the client on a loaded machine).
    public static let `default` = UnservedWorkflowPolicy.fail(after: .seconds(10))
}

/// The workflows a client found served (cached: a workflow once served stays so) and the check before a
/// dispatch. Unserved names are asked again at each dispatch, so a worker that starts later is seen.
final class ServedWorkflows: Sendable {
    private let served = Mutex<Set<String>>([])
    private let warned = Mutex<Set<String>>([])

    /// Returns when `workflowName` is served, or by `policy`: throws `InfiniticError.unserved` or warns.
    func check(
        _ workflowName: String, transport: any Transport, policy: UnservedWorkflowPolicy, logger: Logger
    ) async throws {
        if served.withLock({ $0.contains(workflowName) }) { return }
        let topic = Topics.workflowEngine(workflowName)
        let deadline: ContinuousClock.Instant
        switch policy {
        case .fail(let grace): deadline = .now + grace
        case .warn: deadline = .now
        }
        while true {
            // nil: the transport cannot tell, so nothing is refused.
            if try await transport.hasSubscribers(topic) ?? true {
                served.withLock { _ = $0.insert(workflowName) }
                return
            }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        switch policy {
        case .fail:
            throw InfiniticError(
                .unserved,
                "no worker serves workflow '\(workflowName)': no worker with its state engine ever started on this "
                    + "transport (is the name right? is the role deployed?). ClientConfiguration.unservedWorkflows "
                    + "= .warn dispatches anyway")
        case .warn:
            if warned.withLock({ $0.insert(workflowName).inserted }) {
                logger.warning(
                    "dispatching to a workflow no worker serves yet: it waits until one starts",
                    metadata: [LogKeys.name: "\(workflowName)"])
            }
        }
    }
}
