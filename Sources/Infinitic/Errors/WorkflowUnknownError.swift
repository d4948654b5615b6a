/// The workflow instance (or its method) does not exist: never started, or already ended and deleted.
public struct WorkflowUnknownError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var workflowName: String
    public var workflowId: String
    public var methodId: String?

    public init(workflowName: String, workflowId: String, methodId: String? = nil) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodId = methodId
    }

    public var description: String {
        "workflow \(workflowName) (\(workflowId))\(methodId.map { " method \($0)" } ?? "") is unknown"
    }
}
