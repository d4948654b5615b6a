/// A task for a service executor: run one method of a service. The envelope's requester (a workflow method)
/// receives the outcome.
@BinaryWritable
@BinaryReadable
public struct ServiceTask: Sendable, Codable {
    /// Stable across retries and redeliveries (for a workflow's task, the command id).
    public var taskId: String
    public var serviceName: String
    public var methodName: String
    public var arguments: [Payload]
    public var tags: Set<String>
    public var meta: [String: String]
    /// Automatic retries done so far (0 on the first attempt).
    public var retryIndex: Int
    /// Manual retries done so far.
    public var retrySequence: Int
    public var lastFailure: TaskFailure?
    /// The version of the workflow instance that dispatched the task (nil when no workflow did).
    public var workflowVersion: Int?

    public init(
        taskId: String, serviceName: String, methodName: String, arguments: [Payload], tags: Set<String> = [],
        meta: [String: String] = [:], retryIndex: Int = 0, retrySequence: Int = 0, lastFailure: TaskFailure? = nil,
        workflowVersion: Int? = nil
    ) {
        self.taskId = taskId
        self.serviceName = serviceName
        self.methodName = methodName
        self.arguments = arguments
        self.tags = tags
        self.meta = meta
        self.retryIndex = retryIndex
        self.retrySequence = retrySequence
        self.lastFailure = lastFailure
        self.workflowVersion = workflowVersion
    }
}
