/// Workflow code left the replay: it used its `WorkflowContext` from another task than the one replaying the
/// method, or it awaited something the context did not give. Replaying such code would diverge or hang, so the
/// workflow task fails with this error (in a `WorkflowTaskFailedError`) and the method keeps its state. Use
/// `context.dispatch` and `Deferred` (`context.all`, `context.first(of:)`) for parallelism, and await only what the
/// context gives.
public struct WorkflowEscapeError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// What escaped the replay.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A child task (`async let`, a task group) used the context.
        case childTask
        /// An unstructured task (`Task {}`, `Task.detached`) used the context (reported when it does so while the
        /// replay runs; afterwards its use of the context is ignored).
        case unstructuredTask
        /// The method suspended on something else than its context: `Task.sleep`, awaiting an `async let`, a task
        /// group or an unstructured task, an actor, I/O.
        case suspension
    }

    public var kind: Kind
    public var workflowName: String
    public var methodName: String
    /// What the escaped code did when it was caught (`task HotelBooking.book`, `await`, `property step`...), or
    /// nil for a suspension.
    public var action: String?

    public init(kind: Kind, workflowName: String, methodName: String, action: String? = nil) {
        self.kind = kind
        self.workflowName = workflowName
        self.methodName = methodName
        self.action = action
    }

    public var description: String {
        let method = "\(workflowName).\(methodName)"
        switch kind {
        case .childTask:
            return "\(method) used its context (\(action ?? "?")) from a child task (`async let` or a task group): "
                + "workflow code must run in the replay's own task; use `context.dispatch` and `Deferred` for parallelism"
        case .unstructuredTask:
            return "\(method) used its context (\(action ?? "?")) from an unstructured task (`Task {}` or "
                + "`Task.detached`): workflow code must run in the replay's own task; use `context.dispatch` instead"
        case .suspension:
            return "\(method) suspended on something else than its context (`Task.sleep`, an `async let` or a task "
                + "group, an unstructured task, an actor, I/O): workflow code must only await what its context gives"
        }
    }
}
