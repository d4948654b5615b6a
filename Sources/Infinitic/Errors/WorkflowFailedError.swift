/// What awaiting a workflow method throws when it failed; `cause` nests the chain (parent, child, task).
public struct WorkflowFailedError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var workflowName: String
    public var workflowId: String
    public var methodName: String
    public var methodId: String
    public var cause: DeferredFailure

    public init(workflowName: String, workflowId: String, methodName: String, methodId: String, cause: DeferredFailure)
    {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodName = methodName
        self.methodId = methodId
        self.cause = cause
    }

    public var description: String {
        "workflow \(workflowName).\(methodName) (\(workflowId)) failed: \(cause)"
    }
}
