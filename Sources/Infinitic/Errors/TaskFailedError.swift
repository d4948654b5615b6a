/// What awaiting a task throws when the task failed (after its retries).
public struct TaskFailedError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var serviceName: String
    public var methodName: String
    public var taskId: String
    /// The last attempt's failure; its `previous` chain holds the earlier attempts.
    public var lastFailure: TaskFailure

    public init(serviceName: String, methodName: String, taskId: String, lastFailure: TaskFailure) {
        self.serviceName = serviceName
        self.methodName = methodName
        self.taskId = taskId
        self.lastFailure = lastFailure
    }

    public var description: String {
        "task \(serviceName).\(methodName) (\(taskId)) failed: \(lastFailure.error)"
    }
}
