/// Send a workflow task that went to an executor's own topic (sticky routing) again, with the method's whole
/// history, to the shared executor topic: that executor no longer had the parked replay it was for, or did not
/// take it in time (it may be gone). Ignored unless that task still runs.
public struct RedispatchWorkflowTask: Sendable, Codable {
    public enum Reason: String, Sendable, Codable {
        /// The executor had no parked replay that the task continues (dropped from its cache).
        case missed
        /// The task was not completed within the sticky timeout (`WorkerConfiguration.stickyTaskTimeout`).
        case timedOut
    }

    public var workflowName: String
    public var workflowId: String
    public var workflowTaskId: String
    public var methodId: String
    public var reason: Reason

    public init(workflowName: String, workflowId: String, workflowTaskId: String, methodId: String, reason: Reason) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.workflowTaskId = workflowTaskId
        self.methodId = methodId
        self.reason = reason
    }
}
