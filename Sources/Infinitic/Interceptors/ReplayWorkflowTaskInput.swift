/// A workflow task about to be replayed.
public struct ReplayWorkflowTaskInput: Sendable {
    public var task: WorkflowTask
    /// The headers the replay sees: `WorkflowContext.headers`, and those its new commands are dispatched with
    /// (which `workflowCommand` may change per command). Changing them must be deterministic.
    public var headers: [String: String]

    public init(task: WorkflowTask, headers: [String: String]) {
        self.task = task
        self.headers = headers
    }
}
