/// A service task about to run.
public struct ExecuteTaskInput: Sendable {
    public var task: ServiceTask
    public var requester: Requester?
    /// Seen by the service code as `TaskContext.headers`.
    public var headers: [String: String]

    public init(task: ServiceTask, requester: Requester?, headers: [String: String]) {
        self.task = task
        self.requester = requester
        self.headers = headers
    }
}
