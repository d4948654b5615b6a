/// What awaiting a task throws when its caller-side timeout passed first (`context.service(_:timeout:)`). The
/// task may still run and finish: its result is ignored.
public struct TaskTimedOutError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var serviceName: String
    public var methodName: String
    public var taskId: String
    public var timeoutSeconds: Double

    public init(serviceName: String, methodName: String, taskId: String, timeoutSeconds: Double) {
        self.serviceName = serviceName
        self.methodName = methodName
        self.taskId = taskId
        self.timeoutSeconds = timeoutSeconds
    }

    public var description: String {
        "task \(serviceName).\(methodName) (\(taskId)) timed out after \(timeoutSeconds) s"
    }
}
