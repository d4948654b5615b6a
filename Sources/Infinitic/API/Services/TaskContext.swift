/// What a running task knows about itself, available to service code as `TaskContext.current`.
public struct TaskContext: Sendable, Hashable {
    /// Stable across retries: use it to make the service idempotent.
    public var taskId: String
    public var serviceName: String
    public var methodName: String
    /// The workflow that dispatched the task, if any.
    public var workflowName: String?
    public var workflowId: String?
    public var methodId: String?
    /// The version of the workflow instance that dispatched the task (`WorkflowDefinition.version`), if any.
    public var workflowVersion: Int?
    public var tags: Set<String>
    public var meta: [String: String]
    /// Automatic retries done before this attempt.
    public var retryIndex: Int
    /// Manual retries done before this attempt.
    public var retrySequence: Int
    /// The previous attempt's failure, if any.
    public var lastFailure: TaskFailure?
    /// The headers carried with the task (see `Envelope.headers`).
    public var headers: [String: String] = [:]

    public init(
        taskId: String, serviceName: String, methodName: String, workflowName: String? = nil, workflowId: String? = nil,
        methodId: String? = nil, tags: Set<String> = [], meta: [String: String] = [:], retryIndex: Int = 0,
        retrySequence: Int = 0, lastFailure: TaskFailure? = nil
    ) {
        self.taskId = taskId
        self.serviceName = serviceName
        self.methodName = methodName
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodId = methodId
        self.tags = tags
        self.meta = meta
        self.retryIndex = retryIndex
        self.retrySequence = retrySequence
        self.lastFailure = lastFailure
    }

    /// The context of the task running on the current Swift task, or nil outside a task.
    @TaskLocal public static var current: TaskContext?
}
