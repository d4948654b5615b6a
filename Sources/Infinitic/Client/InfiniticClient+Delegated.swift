/// Completion of delegated tasks (`ServiceDefinition.delegated(_:)`).
extension InfiniticClient {
    /// Completes the delegated task `taskId` of `service` with `result`: the workflow waiting for it goes on.
    /// Any client can do it, from any process, as long as the task waits. Completing a task again changes
    /// nothing. Throws `TaskUnknownError` if no delegated task `taskId` waits (or ever waited), and
    /// `DelegatedResultTypeError` if its method does not return a `Value`.
    public func completeDelegatedTask<Stub: ServiceStub, Value: Encodable & Sendable>(
        _ service: Stub.Type, taskId: String, result: Value
    ) async throws {
        try await completeDelegatedTask(
            serviceName: Stub.serviceName, taskId: taskId, result: try configuration.codec.payload(result),
            resultType: String(reflecting: Value.self))
    }

    /// Completes the delegated task `taskId` of `service`, whose method returns nothing.
    public func completeDelegatedTask<Stub: ServiceStub>(_ service: Stub.Type, taskId: String) async throws {
        try await completeDelegatedTask(
            serviceName: Stub.serviceName, taskId: taskId, result: .void, resultType: String(reflecting: Void.self))
    }

    private func completeDelegatedTask(
        serviceName: String, taskId: String, result: Payload, resultType: String
    ) async throws {
        let answer = Settlement<ResponseRouter.CompletionOutcome>()
        try router.register(answer, forTask: taskId)
        defer { router.remove(answer, forTask: taskId) }
        let complete = CompleteDelegatedTask(
            serviceName: serviceName, taskId: taskId, result: result, resultType: resultType)
        try await send(.completeDelegatedTask(complete))
        let outcome = try await answer.value(
            timeout: configuration.queryTimeout, waitingFor: "the completion of delegated task \(taskId)"
        ).get()
        switch outcome {
        case .completed, .alreadyCompleted: return
        case .unknownTask(let error): throw error
        case .wrongResultType(let error): throw error
        }
    }
}
