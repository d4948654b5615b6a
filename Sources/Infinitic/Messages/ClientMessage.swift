/// Responses to a client.
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

extension ClientMessage: BinaryKeyedWritable {
    func writeFields(_ fields: inout BinaryFields) throws {
        switch self {
        case .methodCompleted(let value): try fields.enumCase("methodCompleted") { try $0.field("_0", value) }
        case .methodFailed(let value): try fields.enumCase("methodFailed") { try $0.field("_0", value) }
        case .methodCanceled(let value): try fields.enumCase("methodCanceled") { try $0.field("_0", value) }
        case .methodUnknown(let value): try fields.enumCase("methodUnknown") { try $0.field("_0", value) }
        case .workflowIds(let value): try fields.enumCase("workflowIds") { try $0.field("_0", value) }
        case .taskIds(let value): try fields.enumCase("taskIds") { try $0.field("_0", value) }
        case .methodRedirected(let value): try fields.enumCase("methodRedirected") { try $0.field("_0", value) }
        case .delegatedTaskAnswer(let value): try fields.enumCase("delegatedTaskAnswer") { try $0.field("_0", value) }
        case .scheduleAnswer(let value): try fields.enumCase("scheduleAnswer") { try $0.field("_0", value) }
        }
    }
}

extension MethodCompleted: BinaryKeyedWritable {
    func writeFields(_ fields: inout BinaryFields) throws {
        try fields.field("workflowName", workflowName)
        try fields.field("workflowId", workflowId)
        try fields.field("methodId", methodId)
        try fields.field("value", value)
    }
}
