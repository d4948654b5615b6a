/// Retries of failed work on running instances, by id or by tag (the workflow tag engine fans a by-tag retry
/// out to every instance carrying the tag). A retry is fire-and-forget: wait for the method again with
/// `handle(_:id:)` to get its new outcome.
extension InfiniticClient {
    /// Resumes the methods of the instance `id` that failed because their workflow task failed (e.g. after a
    /// fix of the workflow code is deployed): a new workflow task replays them.
    public func retryWorkflowTask<Stub: WorkflowStub>(_ stub: Stub.Type, id: String) async throws {
        try await send(.retryWorkflowTask(RetryWorkflowTask(workflowName: Stub.workflowName, workflowId: id)))
    }

    /// `retryWorkflowTask(_:id:)` on every instance carrying `tag`.
    public func retryWorkflowTask<Stub: WorkflowStub>(_ stub: Stub.Type, tag: String) async throws {
        try await send(.retryWorkflowTaskByTag(WorkflowTagQuery(workflowName: Stub.workflowName, tag: tag)))
    }

    /// Runs again the tasks of the instance `id` that `selection` picks (by default every failed or timed-out
    /// task) and whose failure failed their method: each goes back to ongoing with its retry sequence + 1
    /// (`TaskContext.retrySequence`), and the method resumes where it failed. A failure the workflow caught
    /// stays final.
    public func retryTasks<Stub: WorkflowStub>(
        _ stub: Stub.Type, id: String, _ selection: TaskSelection = .all
    ) async throws {
        try await send(
            .retryTasks(RetryTasks(workflowName: Stub.workflowName, workflowId: id, selection: selection)))
    }

    /// `retryTasks(_:id:_:)` on every instance carrying `tag`.
    public func retryTasks<Stub: WorkflowStub>(
        _ stub: Stub.Type, tag: String, _ selection: TaskSelection = .all
    ) async throws {
        try await send(
            .retryTasksByTag(RetryTasksByTag(workflowName: Stub.workflowName, tag: tag, selection: selection)))
    }
}
