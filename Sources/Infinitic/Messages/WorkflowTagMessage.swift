/// Messages to a workflow tag engine, keyed by tag.
@BinaryWritable
@BinaryReadable
public enum WorkflowTagMessage: Sendable, Codable {
    case addTag(WorkflowTagChange)
    case removeTag(WorkflowTagChange)
    /// Answer the requesting client with the ids carrying the tag.
    case getIds(WorkflowTagQuery)
    /// Start a method on every instance carrying the tag.
    case dispatchMethodByTag(DispatchMethodByTag)
    /// Cancel every instance carrying the tag.
    case cancelByTag(WorkflowTagQuery)
    /// Send a signal to every instance carrying the tag (the signal id of each derives from the message's).
    case sendSignalByTag(SendSignalByTag)
    /// Complete the timers of every instance carrying the tag.
    case completeTimersByTag(CompleteTimersByTag)
    /// Start an instance with a `customId:` tag (this message's tag) unless one runs: then attach to it.
    case dispatchByCustomId(DispatchWorkflow)
    /// Retry the failed workflow task of every instance carrying the tag.
    case retryWorkflowTaskByTag(WorkflowTagQuery)
    /// Retry the selected tasks of every instance carrying the tag.
    case retryTasksByTag(RetryTasksByTag)
    /// A request about the workflow's schedules, or a schedule's tick (key: `Schedules.engineKey`).
    case schedule(ScheduleMessage)

    public var workflowName: String {
        switch self {
        case .addTag(let message), .removeTag(let message): message.workflowName
        case .getIds(let message), .cancelByTag(let message), .retryWorkflowTaskByTag(let message):
            message.workflowName
        case .retryTasksByTag(let message): message.workflowName
        case .dispatchMethodByTag(let message): message.workflowName
        case .sendSignalByTag(let message): message.workflowName
        case .completeTimersByTag(let message): message.workflowName
        case .dispatchByCustomId(let message): message.workflowName
        case .schedule(let message): message.workflowName
        }
    }

    /// The tag (the topic key).
    public var tag: String {
        switch self {
        case .addTag(let message), .removeTag(let message): message.tag
        case .getIds(let message), .cancelByTag(let message), .retryWorkflowTaskByTag(let message): message.tag
        case .retryTasksByTag(let message): message.tag
        case .dispatchMethodByTag(let message): message.tag
        case .sendSignalByTag(let message): message.tag
        case .completeTimersByTag(let message): message.tag
        case .dispatchByCustomId(let message): message.tags.sorted().first(where: CustomId.isCustomId) ?? ""
        case .schedule: Schedules.engineKey
        }
    }
}

/// A workflow id to add to, or remove from, a tag's set.
@BinaryWritable
@BinaryReadable
public struct WorkflowTagChange: Sendable, Codable {
    public var workflowName: String
    public var tag: String
    public var workflowId: String

    public init(workflowName: String, tag: String, workflowId: String) {
        self.workflowName = workflowName
        self.tag = tag
        self.workflowId = workflowId
    }
}

/// A tag of a workflow name.
@BinaryWritable
@BinaryReadable
public struct WorkflowTagQuery: Sendable, Codable {
    public var workflowName: String
    public var tag: String

    public init(workflowName: String, tag: String) {
        self.workflowName = workflowName
        self.tag = tag
    }
}

/// A method to start on every instance carrying `tag`.
@BinaryWritable
@BinaryReadable
public struct DispatchMethodByTag: Sendable, Codable {
    public var workflowName: String
    public var tag: String
    public var methodName: String
    public var arguments: [Payload]
    public var clientWaiting: Bool

    public init(
        workflowName: String, tag: String, methodName: String, arguments: [Payload], clientWaiting: Bool = false
    ) {
        self.workflowName = workflowName
        self.tag = tag
        self.methodName = methodName
        self.arguments = arguments
        self.clientWaiting = clientWaiting
    }
}

/// A signal to send to every instance carrying `tag`.
@BinaryWritable
@BinaryReadable
public struct SendSignalByTag: Sendable, Codable {
    public var workflowName: String
    public var tag: String
    public var channel: String
    public var signalId: String
    public var value: Payload

    public init(workflowName: String, tag: String, channel: String, signalId: String, value: Payload) {
        self.workflowName = workflowName
        self.tag = tag
        self.channel = channel
        self.signalId = signalId
        self.value = value
    }
}

/// Complete the timers of the instances carrying `tag` (of the method `methodId` only, when given).
@BinaryWritable
@BinaryReadable
public struct CompleteTimersByTag: Sendable, Codable {
    public var workflowName: String
    public var tag: String
    public var methodId: String?

    public init(workflowName: String, tag: String, methodId: String? = nil) {
        self.workflowName = workflowName
        self.tag = tag
        self.methodId = methodId
    }
}
