/// What awaiting a workflow method (a child, or a method of another instance) throws when its caller-side
/// timeout passed first. The method may still run and finish: its outcome is ignored.
public struct WorkflowTimedOutError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var workflowName: String
    public var workflowId: String
    public var methodName: String
    public var methodId: String
    public var timeoutSeconds: Double

    public init(workflowName: String, workflowId: String, methodName: String, methodId: String, timeoutSeconds: Double)
    {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodName = methodName
        self.methodId = methodId
        self.timeoutSeconds = timeoutSeconds
    }

    public var description: String {
        "workflow \(workflowName).\(methodName) (\(workflowId)) timed out after \(timeoutSeconds) s"
    }
}
