/// Responses to a client.
@BinaryWritable
@BinaryReadable
public enum ClientMessage: Sendable, Codable {
    case methodCompleted(MethodCompleted)
    case methodFailed(WorkflowFailedError)
    case methodCanceled(WorkflowCanceledError)
    case methodUnknown(WorkflowUnknownError)
    case workflowIds(IdsByTag)
    case taskIds(IdsByTag)
    /// A dispatch with a custom id attached to the instance already running with it: the outcome of that
    /// instance's main method answers the waiting client.
    case methodRedirected(MethodRedirect)
    /// The answer to a completion of a delegated task.
    case delegatedTaskAnswer(DelegatedTaskAnswer)
    /// The answer to a request about schedules.
    case scheduleAnswer(ScheduleAnswer)
}

/// The instance a dispatch attached to instead of starting (see `ClientMessage.methodRedirected`).
@BinaryWritable
@BinaryReadable
public struct MethodRedirect: Sendable, Codable {
    public var workflowName: String
    /// The id the client drew for the instance it asked for.
    public var fromWorkflowId: String
    /// The running instance with the same custom id.
    public var toWorkflowId: String

    public init(workflowName: String, fromWorkflowId: String, toWorkflowId: String) {
        self.workflowName = workflowName
        self.fromWorkflowId = fromWorkflowId
        self.toWorkflowId = toWorkflowId
    }
}

/// A workflow method returned `value`.
@BinaryWritable
@BinaryReadable
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
@BinaryWritable
@BinaryReadable
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
