/// A workflow method started by `InfiniticClient.dispatch` (or found by id with `InfiniticClient.handle`):
/// its ids, and its outcome when it ends. Copies share one wait; the outcome, once received, is kept.
public struct WorkflowHandle<Value: Sendable>: Sendable {
    public var workflowName: String { waiter.workflowName }
    /// The workflow instance's id.
    public var id: String { waiter.key.workflowId }
    /// The method's id (the workflow id for the method that started the instance).
    public var methodId: String { waiter.key.methodId }

    let waiter: MethodWaiter
    let client: InfiniticClient
    let decode: @Sendable (Payload) throws -> Value

    /// Waits for the method's value, at most the client's `ClientConfiguration.callTimeout` (5 minutes by
    /// default). Throws like `result(timeout:)`.
    public func result() async throws -> Value {
        try await result(timeout: client.configuration.callTimeout)
    }

    /// Waits for the method's value, at most `timeout` (nil: as long as it takes). Throws the method's typed
    /// error (`WorkflowFailedError` with its nested cause, `WorkflowCanceledError`, `WorkflowUnknownError` when
    /// the instance or the method does not exist, e.g. ended and deleted before the wait began), or
    /// `InfiniticError.timedOut` (the workflow goes on; wait again later). A handle keeps the outcome it received
    /// (a failure too): after `retryTasks` or `retryWorkflowTask`, wait with a new handle (`client.handle`).
    public func result(timeout: Duration?) async throws -> Value {
        try decode(try await waiter.outcome(timeout: timeout))
    }

    /// The method's value (waits at most the client's `callTimeout`, like `result()`).
    public var value: Value {
        get async throws { try await result() }
    }

    /// Cancels the whole workflow instance: its running methods end as canceled.
    public func cancel() async throws {
        try await client.cancel(workflowName: workflowName, id: id)
    }
}
