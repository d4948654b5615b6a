/// What awaiting a workflow method throws when its workflow was canceled.
public struct WorkflowCanceledError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var workflowName: String
    public var workflowId: String
    public var methodId: String?

    public init(workflowName: String, workflowId: String, methodId: String? = nil) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodId = methodId
    }

    public var description: String { "workflow \(workflowName) (\(workflowId)) was canceled" }
}
