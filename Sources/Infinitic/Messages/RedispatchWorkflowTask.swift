/// An executor can no longer resume a method's workflow tasks (sticky routing): it got one with only what changed
/// and has no parked replay it continues (dropped from its cache, or the executor restarted), or it stops and hands
/// its parked replays over. The state engine sends that method's running task, if it went to that executor, again
/// with the whole history to the shared executor topic, and no longer routes the method's tasks to it.
@BinaryWritable
@BinaryReadable
public struct RedispatchWorkflowTask: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String
    public var methodId: String
    /// The executor's id (`WorkflowTaskRunner.stickyExecutor`).
    public var executor: String
    /// The task it got and could not resume; nil when it stops (whichever task of the method went to it).
    public var workflowTaskId: String?

    public init(workflowName: String, workflowId: String, methodId: String, executor: String, workflowTaskId: String?) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodId = methodId
        self.executor = executor
        self.workflowTaskId = workflowTaskId
    }
}

/// Sent by the state engine to itself, delayed, while a workflow task of the instance went to an executor's own
/// topic (sticky routing): if that task still runs `WorkerConfiguration.stickyTaskTimeout` after it was sent (its
/// executor may be gone), it goes again whole to the shared executor topic; if a later one runs, the watch is set
/// again for it. One watch at a time per instance, whatever the number of tasks sent meanwhile. Ignored unless it is
/// the instance's pending watch (`WorkflowStateHeader.stickyWatch`).
@BinaryWritable
@BinaryReadable
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
