/// An attempt of a task ran longer than its execution timeout (`ServiceDefinition.executionTimeout`). The
/// attempt fails with this error and the retry policy applies (list `TaskExecutionTimeoutError` in
/// `RetryPolicy.nonRetryableErrors` to never retry a timed-out task).
public struct TaskExecutionTimeoutError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var serviceName: String
    public var methodName: String
    public var taskId: String
    /// The limit that was exceeded, in seconds.
    public var timeoutSeconds: Double

    public init(serviceName: String, methodName: String, taskId: String, timeoutSeconds: Double) {
        self.serviceName = serviceName
        self.methodName = methodName
        self.taskId = taskId
        self.timeoutSeconds = timeoutSeconds
    }

    public var description: String {
        "task \(serviceName).\(methodName) (\(taskId)) exceeded its execution timeout of \(timeoutSeconds) s"
    }
}
