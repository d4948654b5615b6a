import Foundation

/// The workflow state engine as a pure state machine: `(state?, message) -> (new state?, outgoing messages)`.
/// The only writer of workflow states. One engine serves one workflow name.
///
/// Rules (DESIGN.md section 3):
/// - one workflow task in flight per instance; other events are buffered and applied in order afterwards;
/// - ignored: the message last applied again, a workflow-task result that is not the running task's, a result
///   for an already terminated command, a method id seen before (a waiting client is attached instead);
/// - a command result that arrives before the workflow-task result recording its command is kept and applied
///   when the command is recorded;
/// - a method's outcome goes to its waiting clients and, if a workflow started it, to that workflow;
/// - the state is deleted (and the instance's tags removed) once every method returned and everything they
///   dispatched ended; a failed method keeps the state (so it can be retried).
public struct WorkflowStateEngine: Sendable {
    public let workflowName: String
    /// The name stamped on emitted messages.
    public let emitterName: String

    public init(workflowName: String, emitterName: String) {
        self.workflowName = workflowName
        self.emitterName = emitterName
    }

    /// Applies `envelope` to `state` (nil if the instance has no state). `now` stamps emitted messages.
    public func handle(
        _ envelope: WorkflowEngineEnvelope, state: WorkflowState?, now: Date
    )
        -> WorkflowEngineTransition
    {
        let stamp = MessageStamp(inputMessageId: envelope.messageId, emitterName: emitterName, now: now)
        guard let state else {
            return handleWithoutState(envelope, stamp: stamp)
        }
        if isIgnored(envelope, by: state) { return .ignored }
        var machine = WorkflowStateMachine(state: state, stamp: stamp)
        machine.receive(envelope)
        return machine.transition()
    }

    /// The idempotency rules: messages that change nothing.
    func isIgnored(_ envelope: WorkflowEngineEnvelope, by state: WorkflowState) -> Bool {
        if envelope.messageId == state.lastMessageId { return true }
        switch envelope.message {
        case .workflowTaskCompleted(let completed):
            guard let running = state.runningWorkflowTask else { return true }
            return running.id != completed.workflowTaskId || running.methodId != completed.methodId
        case .commandResult(let result):
            let command = state.methods.lazy.compactMap { $0.history.command(result.commandId) }.first
            return command?.status.isTerminated ?? false
        case .dispatchWorkflow(let dispatch):
            return state.method(dispatch.methodId) != nil && !Self.attachesClient(envelope, dispatch.clientWaiting)
        case .dispatchMethod(let dispatch):
            return state.method(dispatch.methodId) != nil && !Self.attachesClient(envelope, dispatch.clientWaiting)
        case .waitMethod, .cancelWorkflow:
            return false
        }
    }

    private static func attachesClient(_ envelope: WorkflowEngineEnvelope, _ clientWaiting: Bool) -> Bool {
        guard clientWaiting, case .client = envelope.requester else { return false }
        return true
    }

    private func handleWithoutState(
        _ envelope: WorkflowEngineEnvelope, stamp: MessageStamp
    )
        -> WorkflowEngineTransition
    {
        var stamp = stamp
        switch envelope.message {
        case .dispatchWorkflow(let dispatch):
            let state = WorkflowState(
                workflowName: dispatch.workflowName, workflowId: dispatch.workflowId, tags: dispatch.tags,
                meta: dispatch.meta, createdAt: envelope.emittedAt)
            var machine = WorkflowStateMachine(state: state, stamp: stamp)
            machine.create(envelope, dispatch)
            return machine.transition()
        case .dispatchMethod(let dispatch):
            let unknown = WorkflowUnknownError(
                workflowName: dispatch.workflowName, workflowId: dispatch.workflowId, methodId: dispatch.methodId)
            return WorkflowEngineTransition(
                state: .unchanged, outputs: Self.unknown(unknown, to: envelope.requester, stamp: &stamp))
        case .waitMethod(let wait):
            let unknown = WorkflowUnknownError(
                workflowName: wait.workflowName, workflowId: wait.workflowId, methodId: wait.methodId)
            return WorkflowEngineTransition(
                state: .unchanged, outputs: Self.unknown(unknown, to: envelope.requester, stamp: &stamp))
        case .cancelWorkflow, .commandResult, .workflowTaskCompleted:
            // A late message for an instance already ended (and deleted), or canceled.
            return .ignored
        }
    }

    /// Tells `requester` that a method does not exist.
    static func unknown(
        _ error: WorkflowUnknownError, to requester: Requester?, stamp: inout MessageStamp
    )
        -> [Outbound]
    {
        switch requester {
        case .client(let name):
            return [.client(name: name, stamp.envelope(.methodUnknown(error), requester: requester))]
        case .workflow(let name, let id, let methodId):
            let result = CommandResult(
                workflowName: name, workflowId: id, methodId: methodId, commandId: error.methodId ?? error.workflowId,
                outcome: .failed(.workflowUnknown(error)))
            return [.workflowEngine(stamp.envelope(.commandResult(result), requester: requester))]
        case nil:
            return []
        }
    }
}
