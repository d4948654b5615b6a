/// Send a workflow task that went to an executor's own topic (sticky routing) again, with the method's whole
/// history, to the shared executor topic: sent by that executor when it has no parked replay the task continues
/// (dropped from its cache, or the executor restarted). Ignored unless that task still runs there.
public struct RedispatchWorkflowTask: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String
    public var workflowTaskId: String
    public var methodId: String

    public init(workflowName: String, workflowId: String, workflowTaskId: String, methodId: String) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.workflowTaskId = workflowTaskId
        self.methodId = methodId
    }
}

/// Sent by the state engine to itself, delayed, while a workflow task of the instance went to an executor's own
/// topic (sticky routing): if that task still runs `WorkerConfiguration.stickyTaskTimeout` after it was sent (its
/// executor may be gone), it goes again whole to the shared executor topic; if a later one runs, the watch is set
/// again for it. One watch at a time per instance, whatever the number of tasks sent meanwhile. Ignored unless it is
/// the instance's pending watch (`WorkflowStateHeader.stickyWatch`).
public struct WatchStickyTask: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String
    /// When it is due, in milliseconds since 1970: it identifies the watch.
    public var dueMilliseconds: Int

    public init(workflowName: String, workflowId: String, dueMilliseconds: Int) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.dueMilliseconds = dueMilliseconds
    }
}
