/// A delegated task waiting for its completion (`InfiniticClient.completeDelegatedTask`): who waits for it.
/// The service tag engine keeps it under the task's own key (`DelegatedTask.tag(of:)`) until it completes,
/// then keeps it marked completed for `ServiceTagEngine.completionMemory` (a second completion meanwhile is a
/// no-op; afterwards the task is unknown).
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

    public init(
        serviceName: String, taskId: String, methodName: String, resultType: String, tags: Set<String>,
        requester: Requester?, completed: Bool = false
    ) {
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
/// itself, delayed, when the task completes). Also the end of a waiting one whose attempt failed
/// (`ServiceTagMessage.abandonDelegatedTask`).
public struct ForgetDelegatedTask: Sendable, Codable {
    public var serviceName: String
    public var taskId: String

    public init(serviceName: String, taskId: String) {
        self.serviceName = serviceName
        self.taskId = taskId
    }
}

/// A client completes a delegated task with `result` (encoded from a value of type `resultType`).
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
