/// A delegated task was completed with a result of another type than its method returns.
public struct DelegatedResultTypeError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var serviceName: String
    public var taskId: String
    public var methodName: String
    public var expected: String
    public var given: String

    public init(serviceName: String, taskId: String, methodName: String, expected: String, given: String) {
        self.serviceName = serviceName
        self.taskId = taskId
        self.methodName = methodName
        self.expected = expected
        self.given = given
    }

    public var description: String {
        "delegated task \(taskId) of \(serviceName).\(methodName) returns \(expected), not \(given)"
    }
}
