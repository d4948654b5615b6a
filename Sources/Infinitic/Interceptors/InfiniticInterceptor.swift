import Foundation

/// Sees operations of a worker pass, and may observe, wrap or change them before calling `next`: tracing,
/// metrics and events plug in here, not inside the engines. Every method has a default that only calls
/// `next`, so an interceptor implements what it cares about. Interceptors run in the order they are given
/// (the first is the outermost).
public protocol InfiniticInterceptor: Sendable {
    /// A role's step over a batch of messages (a state engine step, a task execution, a workflow task...).
    func step(_ input: RoleStep, next: () async throws -> BatchDisposition) async throws -> BatchDisposition

    /// The execution of a service task by a service executor: the input's headers are what the service code
    /// sees in `TaskContext.headers`.
    func executeTask(
        _ input: ExecuteTaskInput, next: (ExecuteTaskInput) async -> Result<Payload, any Error>
    ) async -> Result<Payload, any Error>

    /// The replay of a workflow task by a workflow executor.
    func replayWorkflowTask(
        _ input: ReplayWorkflowTaskInput, next: (ReplayWorkflowTaskInput) async -> WorkflowTaskOutput
    ) async -> WorkflowTaskOutput
}

extension InfiniticInterceptor {
    public func step(_ input: RoleStep, next: () async throws -> BatchDisposition) async throws -> BatchDisposition {
        try await next()
    }

    public func executeTask(
        _ input: ExecuteTaskInput, next: (ExecuteTaskInput) async -> Result<Payload, any Error>
    ) async -> Result<Payload, any Error> {
        await next(input)
    }

    public func replayWorkflowTask(
        _ input: ReplayWorkflowTaskInput, next: (ReplayWorkflowTaskInput) async -> WorkflowTaskOutput
    ) async -> WorkflowTaskOutput {
        await next(input)
    }
}

/// A role's step: which role, and the messages of the batch.
public struct RoleStep: Sendable {
    /// The role's consumer group (`service-executor`, `workflow-state-engine`...).
    public var group: String
    /// The service or workflow it serves.
    public var name: String
    public var messages: [ReceivedMessage]

    public init(group: String, name: String, messages: [ReceivedMessage]) {
        self.group = group
        self.name = name
        self.messages = messages
    }
}

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

/// A workflow task about to be replayed.
public struct ReplayWorkflowTaskInput: Sendable {
    public var task: WorkflowTask
    public var headers: [String: String]

    public init(task: WorkflowTask, headers: [String: String]) {
        self.task = task
        self.headers = headers
    }
}
