/// A delegated task waiting for its completion (`InfiniticClient.completeDelegatedTask`): who waits for it.
/// The service tag engine keeps it under the task's own key (`DelegatedTask.tag(of:)`) until it completes,
/// then keeps it marked completed for `ServiceTagEngine.completionMemory` (a second completion meanwhile is a
/// no-op; afterwards the task is unknown).
@BinaryWritable
@BinaryReadable
public struct DelegatedTask: Sendable, Codable {
    public var serviceName: String
    public var taskId: String
    public var methodName: String
    /// The result type of the method (`String(reflecting:)`), checked against the completion's.
    public var resultType: String
    /// The task's tags (removed when it completes).
    public var tags: Set<String>
    /// The workflow method waiting for it.
    public var requester: Requester?
    public var completed: Bool
    /// The attempt that registered it (nil in records written before attempts were recorded): only that
    /// attempt's failure abandons it.
    public var retrySequence: Int?
    public var retryIndex: Int?

    public init(
        serviceName: String, taskId: String, methodName: String, resultType: String, tags: Set<String>,
        requester: Requester?, completed: Bool = false, retrySequence: Int? = nil, retryIndex: Int? = nil
    ) {
        self.retrySequence = retrySequence
        self.retryIndex = retryIndex
        self.serviceName = serviceName
        self.taskId = taskId
        self.methodName = methodName
        self.resultType = resultType
        self.tags = tags
        self.requester = requester
        self.completed = completed
    }

    /// The service tag topic key of the messages about the task `taskId`.
    public static func tag(of taskId: String) -> String { "taskId:\(taskId)" }
}

/// The end of the memory of a completed delegated task: its marker is deleted (sent by the service tag engine to
/// itself, delayed, when the task completes).
@BinaryWritable
@BinaryReadable
public struct ForgetDelegatedTask: Sendable, Codable {
    public var serviceName: String
    public var taskId: String

    public init(serviceName: String, taskId: String) {
        self.serviceName = serviceName
        self.taskId = taskId
    }
}

/// A client completes a delegated task with `result` (encoded from a value of type `resultType`).
@BinaryWritable
@BinaryReadable
public struct CompleteDelegatedTask: Sendable, Codable {
    public var serviceName: String
    public var taskId: String
    public var result: Payload
    public var resultType: String

    public init(serviceName: String, taskId: String, result: Payload, resultType: String) {
        self.serviceName = serviceName
        self.taskId = taskId
        self.result = result
        self.resultType = resultType
    }
}

/// The service tag engine's answer to a `CompleteDelegatedTask`.
@BinaryWritable
@BinaryReadable
public struct DelegatedTaskAnswer: Sendable, Codable {
    public enum Outcome: Sendable, Codable {
        /// The result went to the waiting workflow.
        case completed
        /// It was completed before: nothing changed.
        case alreadyCompleted
        case unknownTask(TaskUnknownError)
        case wrongResultType(DelegatedResultTypeError)
    }

    public var serviceName: String
    public var taskId: String
    public var outcome: Outcome

    public init(serviceName: String, taskId: String, outcome: Outcome) {
        self.serviceName = serviceName
        self.taskId = taskId
        self.outcome = outcome
    }
}

/// An attempt of a delegated task failed (its method threw or ran out of time). The service tag engine, which
/// orders it with the task's completion, decides: if a client completed the task meanwhile, the completion
/// stands and this changes nothing; otherwise the attempt's registration is deleted and what the failure leads to
/// is sent: the task's next attempt after `retryDelayMilliseconds` (`retry`), or its failure result for the
/// waiting workflow (`failure`). A stale abandon (another attempt registered since) changes nothing.
@BinaryWritable
@BinaryReadable
public struct AbandonDelegatedTask: Sendable, Codable {
    public var serviceName: String
    public var taskId: String
    /// The attempt that failed.
    public var retrySequence: Int
    public var retryIndex: Int
    public var retry: ServiceExecutorEnvelope?
    public var retryDelayMilliseconds: Int64?
    public var failure: WorkflowEngineEnvelope?

    public init(
        serviceName: String, taskId: String, retrySequence: Int, retryIndex: Int, retry: ServiceExecutorEnvelope?,
        retryDelayMilliseconds: Int64?, failure: WorkflowEngineEnvelope?
    ) {
        self.serviceName = serviceName
        self.taskId = taskId
        self.retrySequence = retrySequence
        self.retryIndex = retryIndex
        self.retry = retry
        self.retryDelayMilliseconds = retryDelayMilliseconds
        self.failure = failure
    }
}
