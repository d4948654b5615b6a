import Foundation

/// The workflow tag engine as pure logic: tag → workflow ids sets (as set writes), lookups, and the fan-out
/// of by-tag commands to every instance carrying the tag. The caller reads the set when `needsIds` says so.
public struct WorkflowTagEngine: Sendable {
    public let emitterName: String

    public init(emitterName: String) {
        self.emitterName = emitterName
    }

    /// Whether handling the message needs the current ids of its tag.
    public func needsIds(_ message: WorkflowTagMessage) -> Bool {
        switch message {
        case .addTag, .removeTag, .schedule: false
        case .getIds, .dispatchMethodByTag, .cancelByTag, .sendSignalByTag, .completeTimersByTag, .dispatchByCustomId,
            .retryWorkflowTaskByTag, .retryTasksByTag:
            true
        }
    }

    /// The set of ids a message's tag maps to.
    public func idsKey(_ message: WorkflowTagMessage) -> StateKey {
        Topics.workflowTagIds(message.workflowName, tag: message.tag)
    }

    /// The state key a message needs read: the workflow's schedules for a schedule message.
    public func stateKey(_ message: WorkflowTagMessage) -> StateKey? {
        if case .schedule(let schedule) = message { return Topics.workflowSchedules(schedule.workflowName) }
        return nil
    }

    /// Handles a message, given the tag's ids when `needsIds` and what its `stateKey` holds.
    public func handle(
        _ envelope: WorkflowTagEnvelope, ids: Set<String>, stored: [UInt8]?, now: Date, codec: any PayloadCodec
    ) -> TagEngineStep {
        if case .schedule(let schedule) = envelope.message {
            return ScheduleEngine(emitterName: emitterName).handle(
                schedule, envelope: envelope, stored: stored, now: now, codec: codec)
        }
        return handle(envelope, ids: ids, now: now)
    }

    /// Handles a message, given the tag's ids when `needsIds` (empty otherwise).
    public func handle(_ envelope: WorkflowTagEnvelope, ids: Set<String>, now: Date) -> TagEngineStep {
        var stamp = MessageStamp(
            inputMessageId: envelope.messageId, emitterName: emitterName, now: now, headers: envelope.headers)
        let message = envelope.message
        // A by-tag command from a workflow does not apply to that workflow itself.
        var targets = ids.sorted()
        if case .workflow(let name, let id, _) = envelope.requester, name == message.workflowName {
            targets.removeAll { $0 == id }
        }
        switch message {
        case .addTag(let change):
            return TagEngineStep(writes: [StateWrite(key: idsKey(message), operation: .addToSet([change.workflowId]))])
        case .removeTag(let change):
            return TagEngineStep(
                writes: [StateWrite(key: idsKey(message), operation: .removeFromSet([change.workflowId]))])
        case .getIds(let query):
            guard case .client(let name) = envelope.requester else { return TagEngineStep() }
            let answer = IdsByTag(name: query.workflowName, tag: query.tag, ids: ids.sorted())
            return TagEngineStep(outputs: [.client(name: name, stamp.envelope(.workflowIds(answer), requester: nil))])
        case .dispatchMethodByTag(let byTag):
            let outputs: [Outbound] = targets.map { workflowId in
                let dispatch = DispatchMethod(
                    workflowName: byTag.workflowName, workflowId: workflowId, methodName: byTag.methodName,
                    methodId: StableId.make("method-by-tag", envelope.messageId, workflowId),
                    arguments: byTag.arguments, clientWaiting: byTag.clientWaiting)
                return .workflowEngine(stamp.envelope(.dispatchMethod(dispatch), requester: envelope.requester))
            }
            return TagEngineStep(outputs: outputs)
        case .cancelByTag(let query):
            let outputs: [Outbound] = targets.map { workflowId in
                let cancel = CancelWorkflow(workflowName: query.workflowName, workflowId: workflowId)
                return .workflowEngine(stamp.envelope(.cancelWorkflow(cancel), requester: envelope.requester))
            }
            return TagEngineStep(outputs: outputs)
        case .sendSignalByTag(let byTag):
            let outputs: [Outbound] = targets.map { workflowId in
                let signal = SendSignal(
                    workflowName: byTag.workflowName, workflowId: workflowId, channel: byTag.channel,
                    signalId: StableId.make("signal-by-tag", byTag.signalId, workflowId), value: byTag.value)
                return .workflowEngine(stamp.envelope(.sendSignal(signal), requester: envelope.requester))
            }
            return TagEngineStep(outputs: outputs)
        case .completeTimersByTag(let byTag):
            let outputs: [Outbound] = targets.map { workflowId in
                let complete = CompleteTimers(
                    workflowName: byTag.workflowName, workflowId: workflowId, methodId: byTag.methodId)
                return .workflowEngine(stamp.envelope(.completeTimers(complete), requester: envelope.requester))
            }
            return TagEngineStep(outputs: outputs)
        case .retryWorkflowTaskByTag(let query):
            let outputs: [Outbound] = targets.map { workflowId in
                let retry = RetryWorkflowTask(workflowName: query.workflowName, workflowId: workflowId)
                return .workflowEngine(stamp.envelope(.retryWorkflowTask(retry), requester: envelope.requester))
            }
            return TagEngineStep(outputs: outputs)
        case .retryTasksByTag(let byTag):
            let outputs: [Outbound] = targets.map { workflowId in
                let retry = RetryTasks(
                    workflowName: byTag.workflowName, workflowId: workflowId, selection: byTag.selection)
                return .workflowEngine(stamp.envelope(.retryTasks(retry), requester: envelope.requester))
            }
            return TagEngineStep(outputs: outputs)
        case .dispatchByCustomId(let dispatch):
            return dispatchByCustomId(dispatch, running: ids, envelope: envelope, stamp: &stamp)
        case .schedule:
            // Needs the schedules as stored: `handle(_:ids:stored:now:codec:)`.
            return TagEngineStep()
        }
    }

    /// Starts the instance if no instance carries its custom id (adding its id to the tag's set in the same
    /// step, so a concurrent dispatch, serialized behind this one on the tag, sees it); otherwise attaches a
    /// waiting client to the running instance's main method and tells the client where it went.
    private func dispatchByCustomId(
        _ dispatch: DispatchWorkflow, running ids: Set<String>, envelope: WorkflowTagEnvelope,
        stamp: inout MessageStamp
    ) -> TagEngineStep {
        let message = envelope.message
        guard let existing = ids.sorted().first, existing != dispatch.workflowId else {
            return TagEngineStep(
                writes: [StateWrite(key: idsKey(message), operation: .addToSet([dispatch.workflowId]))],
                outputs: [.workflowEngine(stamp.envelope(.dispatchWorkflow(dispatch), requester: envelope.requester))])
        }
        guard dispatch.clientWaiting, case .client(let name) = envelope.requester else { return TagEngineStep() }
        let redirect = MethodRedirect(
            workflowName: dispatch.workflowName, fromWorkflowId: dispatch.workflowId, toWorkflowId: existing)
        let wait = WaitMethod(workflowName: dispatch.workflowName, workflowId: existing, methodId: existing)
        return TagEngineStep(outputs: [
            .client(name: name, stamp.envelope(.methodRedirected(redirect), requester: nil)),
            .workflowEngine(stamp.envelope(.waitMethod(wait), requester: envelope.requester)),
        ])
    }
}
