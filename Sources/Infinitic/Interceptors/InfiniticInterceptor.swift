import Foundation

/// Sees operations pass, and may observe, wrap or change them before calling `next`: tracing, metrics, events and
/// per-call options plug in here, not inside the engines. Every hook has a default that only calls `next`, so an
/// interceptor implements what it cares about. Interceptors run in the order they are given (the first is the
/// outermost). A client runs the client hooks (`ClientConfiguration.interceptors`), a worker the others
/// (`WorkerConfiguration.interceptors`).
///
/// Headers set on a client operation are published with its message and carried end to end (see
/// `Envelope.headers`): the workflow's tasks and commands, `TaskContext.headers`, `WorkflowContext.headers`, and
/// the responses back to the client.
public protocol InfiniticInterceptor: Sendable {
    // MARK: client

    /// A client starting a new workflow instance (a stub call, or `client.dispatch { }`).
    func clientDispatchWorkflow(
        _ input: ClientDispatchWorkflowInput, next: (ClientDispatchWorkflowInput) async throws -> Void
    ) async throws

    /// A client starting a method on an instance by id, or on every instance carrying a tag.
    func clientDispatchMethod(
        _ input: ClientDispatchMethodInput, next: (ClientDispatchMethodInput) async throws -> Void
    ) async throws

    /// A client waiting for the outcome of a method (a synchronous call, or a handle's `result`).
    func clientAwaitResult(
        _ input: ClientAwaitResultInput, next: (ClientAwaitResultInput) async throws -> ClientMethodResult
    ) async throws -> ClientMethodResult

    /// A client canceling an instance by id, or every instance carrying a tag.
    func clientCancel(_ input: ClientCancelInput, next: (ClientCancelInput) async throws -> Void) async throws

    /// A client asking a tag engine for the ids carrying a tag.
    func clientLookupIds(
        _ input: ClientLookupIdsInput, next: (ClientLookupIdsInput) async throws -> [String]
    ) async throws -> [String]

    // MARK: workflow code

    /// A command of workflow code (a task, a method of an instance, an `inline` block), each time a replay
    /// reaches it. It runs inside the replay, synchronously: it must be deterministic, a function of its input
    /// only (no random values, clock, counters or I/O), because a workflow task may run again and must emit the
    /// same messages. The command is recorded and dispatched whatever the hook does: `next` hands on the headers
    /// and meta to dispatch it with, which go with the dispatched message only (not part of the recorded command,
    /// nor of the determinism check).
    func workflowCommand(_ input: WorkflowCommandInput, next: (WorkflowCommandInput) -> Void)

    // MARK: worker

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
    public func clientDispatchWorkflow(
        _ input: ClientDispatchWorkflowInput, next: (ClientDispatchWorkflowInput) async throws -> Void
    ) async throws {
        try await next(input)
    }

    public func clientDispatchMethod(
        _ input: ClientDispatchMethodInput, next: (ClientDispatchMethodInput) async throws -> Void
    ) async throws {
        try await next(input)
    }

    public func clientAwaitResult(
        _ input: ClientAwaitResultInput, next: (ClientAwaitResultInput) async throws -> ClientMethodResult
    ) async throws -> ClientMethodResult {
        try await next(input)
    }

    public func clientCancel(_ input: ClientCancelInput, next: (ClientCancelInput) async throws -> Void) async throws {
        try await next(input)
    }

    public func clientLookupIds(
        _ input: ClientLookupIdsInput, next: (ClientLookupIdsInput) async throws -> [String]
    ) async throws -> [String] {
        try await next(input)
    }

    public func workflowCommand(_ input: WorkflowCommandInput, next: (WorkflowCommandInput) -> Void) {
        next(input)
    }

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
