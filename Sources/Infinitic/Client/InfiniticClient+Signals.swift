import Foundation

/// Signals and timers of running instances, by id or by tag.
extension InfiniticClient {
    /// Sends `signal` on the channel `channel` of the instance `id` (see `WorkflowChannel`: a signal no receive
    /// waits for is discarded). `signalId` makes a resend harmless (drawn when nil).
    public func send<Stub: WorkflowStub, Value: Codable & Sendable>(
        _ signal: Value, to channel: String, of stub: Stub.Type, id: String, signalId: String? = nil
    ) async throws {
        let message = SendSignal(
            workflowName: Stub.workflowName, workflowId: id, channel: channel,
            signalId: signalId ?? UUID().uuidString.lowercased(), value: try configuration.codec.payload(signal))
        try await send(.sendSignal(message))
    }

    /// Sends `signal` on the channel `channel` of every instance carrying `tag`.
    public func send<Stub: WorkflowStub, Value: Codable & Sendable>(
        _ signal: Value, to channel: String, of stub: Stub.Type, tag: String, signalId: String? = nil
    ) async throws {
        let message = SendSignalByTag(
            workflowName: Stub.workflowName, tag: tag, channel: channel,
            signalId: signalId ?? UUID().uuidString.lowercased(), value: try configuration.codec.payload(signal))
        try await send(.sendSignalByTag(message))
    }

    /// Completes now the running timers of the instance `id`: of its method `methodId`, or of all its methods.
    public func completeTimers<Stub: WorkflowStub>(
        _ stub: Stub.Type, id: String, methodId: String? = nil
    ) async throws {
        try await send(
            .completeTimers(CompleteTimers(workflowName: Stub.workflowName, workflowId: id, methodId: methodId)))
    }

    /// Completes now the running timers of every instance carrying `tag` (of the method `methodId` only, when
    /// given).
    public func completeTimers<Stub: WorkflowStub>(
        _ stub: Stub.Type, tag: String, methodId: String? = nil
    ) async throws {
        try await send(
            .completeTimersByTag(CompleteTimersByTag(workflowName: Stub.workflowName, tag: tag, methodId: methodId)))
    }
}
