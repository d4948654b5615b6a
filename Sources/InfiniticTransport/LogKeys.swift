/// The metadata keys of Infinitic's log lines, in one place so that every module logs (and every log pipeline
/// filters) the same names: `logger.debug("...", metadata: [LogKeys.workflowId: "\(id)"])`.
public enum LogKeys {
    /// The client's name.
    public static let client = "client"
    /// The worker's name.
    public static let worker = "worker"
    /// The roles a worker runs.
    public static let roles = "roles"
    /// A role (`workflow-executor`, `service-tag-engine`...).
    public static let role = "role"
    /// The service or workflow a role serves.
    public static let name = "name"
    /// A topic.
    public static let topic = "topic"
    /// A consumer group.
    public static let group = "group"
    /// A partition of a namespace.
    public static let partition = "partition"
    /// A transport's id of a received message.
    public static let id = "id"
    /// Infinitic's id of a message (its envelope's `messageId`).
    public static let messageId = "messageId"
    /// A message key (a workflow id, a tag).
    public static let key = "key"
    /// A workflow instance.
    public static let workflowId = "workflowId"
    /// A task.
    public static let taskId = "taskId"
    /// A method of a service or workflow.
    public static let method = "method"
    /// An error.
    public static let error = "error"
    /// Why a message was dead-lettered or retried.
    public static let reason = "reason"
    /// A handler concurrency.
    public static let concurrency = "concurrency"
    /// A timeout.
    public static let timeout = "timeout"
    /// A Lua script's name.
    public static let script = "script"
    /// A Lua script's SHA-1.
    public static let sha = "sha"
}
