/// A replay ran longer than the worker's workflow task timeout: workflow code blocked its thread, or waited on
/// something else than its `WorkflowContext` without letting cancellation end the wait (other waits are reported
/// at once as a `WorkflowEscapeError`). The method fails with a `WorkflowTaskFailedError` carrying this error, and
/// keeps its state.
public struct WorkflowTaskTimeoutError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var workflowName: String
    public var workflowId: String
    public var methodName: String
    /// The limit that was exceeded, in seconds.
    public var timeoutSeconds: Double

    public init(workflowName: String, workflowId: String, methodName: String, timeoutSeconds: Double) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodName = methodName
        self.timeoutSeconds = timeoutSeconds
    }

    public var description: String {
        "the replay of \(workflowName).\(methodName) (\(workflowId)) took more than \(timeoutSeconds) s: workflow "
            + "code must not block, and must only await what its WorkflowContext gives"
    }
}
