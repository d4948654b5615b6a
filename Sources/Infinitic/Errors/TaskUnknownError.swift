/// The task does not exist (for example a task id given to a client operation).
public struct TaskUnknownError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var serviceName: String
    public var taskId: String

    public init(serviceName: String, taskId: String) {
        self.serviceName = serviceName
        self.taskId = taskId
    }

    public var description: String { "task \(taskId) of \(serviceName) is unknown" }
}
