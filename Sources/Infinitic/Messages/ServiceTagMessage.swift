/// Messages to a service tag engine, keyed by tag.
@BinaryWritable
@BinaryReadable
public enum ServiceTagMessage: Sendable, Codable {
    case addTag(TaskTagChange)
    case removeTag(TaskTagChange)
    /// Answer the requesting client with the task ids carrying the tag.
    case getIds(TaskTagQuery)
    /// An attempt of a delegated task is about to run its method: keep who waits for it, so that a completion
    /// sent as soon as the method handed the task id out finds it (keyed by `DelegatedTask.tag(of:)`).
    case setDelegatedTask(DelegatedTask)
    /// A client completes a delegated task (keyed by `DelegatedTask.tag(of:)`).
    case completeDelegatedTask(CompleteDelegatedTask)
    /// The memory of a completed delegated task is over: forget it (keyed by `DelegatedTask.tag(of:)`).
    case forgetDelegatedTask(ForgetDelegatedTask)
    /// An attempt of a delegated task failed: unless a client completed the task meanwhile, it no longer waits and
    /// the failure goes on (its retry, or its failure result), keyed by `DelegatedTask.tag(of:)`.
    case abandonDelegatedTask(AbandonDelegatedTask)

    public var serviceName: String {
        switch self {
        case .addTag(let message), .removeTag(let message): message.serviceName
        case .getIds(let message): message.serviceName
        case .setDelegatedTask(let message): message.serviceName
        case .completeDelegatedTask(let message): message.serviceName
        case .forgetDelegatedTask(let message): message.serviceName
        case .abandonDelegatedTask(let message): message.serviceName
        }
    }

    /// The tag (the topic key).
    public var tag: String {
        switch self {
        case .addTag(let message), .removeTag(let message): message.tag
        case .getIds(let message): message.tag
        case .setDelegatedTask(let message): DelegatedTask.tag(of: message.taskId)
        case .completeDelegatedTask(let message): DelegatedTask.tag(of: message.taskId)
        case .forgetDelegatedTask(let message): DelegatedTask.tag(of: message.taskId)
        case .abandonDelegatedTask(let message):
            DelegatedTask.tag(of: message.taskId)
        }
    }
}

/// A task id to add to, or remove from, a tag's set.
@BinaryWritable
@BinaryReadable
public struct TaskTagChange: Sendable, Codable {
    public var serviceName: String
    public var tag: String
    public var taskId: String

    public init(serviceName: String, tag: String, taskId: String) {
        self.serviceName = serviceName
        self.tag = tag
        self.taskId = taskId
    }
}

/// A tag of a service.
@BinaryWritable
@BinaryReadable
public struct TaskTagQuery: Sendable, Codable {
    public var serviceName: String
    public var tag: String

    public init(serviceName: String, tag: String) {
        self.serviceName = serviceName
        self.tag = tag
    }
}
