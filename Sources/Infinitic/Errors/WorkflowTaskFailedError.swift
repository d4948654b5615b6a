/// A workflow task could not replay the workflow: a bug in workflow code or in its registration, including a
/// `WorkflowChangedError`. The method fails with it and keeps its state.
public struct WorkflowTaskFailedError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var workflowName: String
    public var workflowId: String
    public var workflowTaskId: String
    public var methodName: String
    public var error: ErrorDescription

    public init(
        workflowName: String, workflowId: String, workflowTaskId: String, methodName: String, error: ErrorDescription
    ) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.workflowTaskId = workflowTaskId
        self.methodName = methodName
        self.error = error
    }

    public var description: String {
        "workflow task \(workflowTaskId) of \(workflowName).\(methodName) (\(workflowId)) failed: \(error)"
    }
}
