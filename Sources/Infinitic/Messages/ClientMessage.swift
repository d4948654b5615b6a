/// Responses to a client.
public enum ClientMessage: Sendable, Codable {
    case methodCompleted(MethodCompleted)
    case methodFailed(WorkflowFailedError)
    case methodCanceled(WorkflowCanceledError)
    case methodUnknown(WorkflowUnknownError)
    case workflowIds(IdsByTag)
    case taskIds(IdsByTag)
}

/// A workflow method returned `value`.
public struct MethodCompleted: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String
    public var methodId: String
    public var value: Payload

    public init(workflowName: String, workflowId: String, methodId: String, value: Payload) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodId = methodId
        self.value = value
    }
}

/// The ids carrying a tag (workflow ids of a workflow name, or task ids of a service).
public struct IdsByTag: Sendable, Codable {
    /// The workflow or service name.
    public var name: String
    public var tag: String
    public var ids: [String]

    public init(name: String, tag: String, ids: [String]) {
        self.name = name
        self.tag = tag
        self.ids = ids
    }
}
