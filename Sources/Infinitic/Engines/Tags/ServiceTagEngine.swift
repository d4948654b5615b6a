import Foundation

/// The service tag engine as pure logic: tag → task ids sets (as set writes) and lookups; who waits for each
/// delegated task (a state key per task id), and their completion by a client.
public struct ServiceTagEngine: Sendable {
    public let emitterName: String
    /// How long a completed delegated task is remembered: a second completion meanwhile answers that it is
    /// already completed, later that it is unknown (its marker is deleted: memory stays bounded).
    public let completionMemory: Duration

    /// The default `completionMemory`: one day.
    public static let defaultCompletionMemory = Duration.seconds(24 * 3600)

    public init(emitterName: String, completionMemory: Duration = ServiceTagEngine.defaultCompletionMemory) {
        self.emitterName = emitterName
        self.completionMemory = completionMemory
    }

    /// Whether handling the message needs the current ids of its tag.
    public func needsIds(_ message: ServiceTagMessage) -> Bool {
        if case .getIds = message { return true }
        return false
    }

    /// The set of ids a message's tag maps to.
    public func idsKey(_ message: ServiceTagMessage) -> StateKey {
        Topics.serviceTagIds(message.serviceName, tag: message.tag)
    }

    /// The state key a message needs read: the delegated task it is about.
    public func stateKey(_ message: ServiceTagMessage) -> StateKey? {
        switch message {
        case .setDelegatedTask(let task): Topics.delegatedTask(task.serviceName, taskId: task.taskId)
        case .completeDelegatedTask(let complete): Topics.delegatedTask(complete.serviceName, taskId: complete.taskId)
        case .forgetDelegatedTask(let forget): Topics.delegatedTask(forget.serviceName, taskId: forget.taskId)
        case .abandonDelegatedTask(let abandon): Topics.delegatedTask(abandon.serviceName, taskId: abandon.taskId)
        case .addTag, .removeTag, .getIds: nil
        }
    }

    /// Handles a message, given the tag's ids when `needsIds` (empty otherwise).
    public func handle(_ envelope: ServiceTagEnvelope, ids: Set<String>, now: Date) -> TagEngineStep {
        handle(envelope, ids: ids, stored: nil, now: now, codec: BinaryPayloadCodec())
    }

    /// Handles a message, given the tag's ids when `needsIds` and what its `stateKey` holds.
    public func handle(
        _ envelope: ServiceTagEnvelope, ids: Set<String>, stored: [UInt8]?, now: Date, codec: any PayloadCodec
    ) -> TagEngineStep {
        var stamp = MessageStamp(
            inputMessageId: envelope.messageId, emitterName: emitterName, now: now, headers: envelope.headers)
        switch envelope.message {
        case .setDelegatedTask(let task):
            // A redelivered start after a completion does not reopen the task.
            guard stored == nil, let bytes = try? codec.encode(task) else { return TagEngineStep() }
            let key = Topics.delegatedTask(task.serviceName, taskId: task.taskId)
            return TagEngineStep(writes: [StateWrite(key: key, operation: .put(bytes))])
        case .completeDelegatedTask(let complete):
            let task = stored.flatMap { try? codec.decode(DelegatedTask.self, from: $0) }
            return completeDelegated(complete, task: task, envelope: envelope, stamp: &stamp, codec: codec)
        case .forgetDelegatedTask(let forget):
            // Only a completed task is forgotten (a marker is never reopened, so this is its own memory's end).
            guard let task = stored.flatMap({ try? codec.decode(DelegatedTask.self, from: $0) }), task.completed
            else { return TagEngineStep() }
            let key = Topics.delegatedTask(forget.serviceName, taskId: forget.taskId)
            return TagEngineStep(writes: [StateWrite(key: key, operation: .delete)])
        case .abandonDelegatedTask(let abandon):
            return abandoned(abandon, task: stored.flatMap { try? codec.decode(DelegatedTask.self, from: $0) })
        case .addTag, .removeTag, .getIds:
            return handleTags(envelope, ids: ids, now: now)
        }
    }

    /// A failed attempt of a delegated task: the completion stands if one came first; otherwise the attempt's
    /// registration goes and its failure goes on. Without a registration (a repeated abandon), the failure is sent
    /// again rather than lost: a retry has a stable id (stored once) and the workflow ignores a second result.
    private func abandoned(_ abandon: AbandonDelegatedTask, task: DelegatedTask?) -> TagEngineStep {
        var step = TagEngineStep()
        if let task {
            if task.completed { return step }
            if let sequence = task.retrySequence, let index = task.retryIndex,
                sequence != abandon.retrySequence || index != abandon.retryIndex
            {
                // Another attempt registered since: this abandon is a stale repeat.
                return step
            }
            step.writes.append(
                StateWrite(key: Topics.delegatedTask(abandon.serviceName, taskId: abandon.taskId), operation: .delete))
        }
        if let retry = abandon.retry {
            step.outputs.append(
                .serviceExecutor(retry, delivery: .after(.milliseconds(abandon.retryDelayMilliseconds ?? 0))))
        }
        if let failure = abandon.failure { step.outputs.append(.workflowEngine(failure)) }
        return step
    }

    /// Sends the result to the waiting workflow and marks the task completed, or answers why not.
    private func completeDelegated(
        _ complete: CompleteDelegatedTask, task: DelegatedTask?, envelope: ServiceTagEnvelope,
        stamp: inout MessageStamp, codec: any PayloadCodec
    ) -> TagEngineStep {
        var step = TagEngineStep()
        let outcome: DelegatedTaskAnswer.Outcome
        if var task {
            if task.completed {
                outcome = .alreadyCompleted
            } else if task.resultType != complete.resultType {
                outcome = .wrongResultType(
                    DelegatedResultTypeError(
                        serviceName: task.serviceName, taskId: task.taskId, methodName: task.methodName,
                        expected: task.resultType, given: complete.resultType))
            } else if let bytes = try? codec.encode(
                {
                    task.completed = true; return task
                }())
            {
                outcome = .completed
                let key = Topics.delegatedTask(task.serviceName, taskId: task.taskId)
                step.writes.append(StateWrite(key: key, operation: .put(bytes)))
                let forget = ForgetDelegatedTask(serviceName: task.serviceName, taskId: task.taskId)
                step.outputs.append(
                    .delayedServiceTag(
                        stamp.envelope(.forgetDelegatedTask(forget), requester: nil),
                        at: stamp.now.addingTimeInterval(completionMemory.inSeconds)))
                for tag in task.tags.sorted() {
                    let change = TaskTagChange(serviceName: task.serviceName, tag: tag, taskId: task.taskId)
                    step.outputs.append(.serviceTag(stamp.envelope(.removeTag(change), requester: task.requester)))
                }
                if case .workflow(let name, let id, let methodId) = task.requester {
                    let result = CommandResult(
                        workflowName: name, workflowId: id, methodId: methodId, commandId: task.taskId,
                        outcome: .completed(complete.result))
                    step.outputs.append(
                        .workflowEngine(stamp.envelope(.commandResult(result), requester: task.requester)))
                }
            } else {
                outcome = .unknownTask(TaskUnknownError(serviceName: complete.serviceName, taskId: complete.taskId))
            }
        } else {
            outcome = .unknownTask(TaskUnknownError(serviceName: complete.serviceName, taskId: complete.taskId))
        }
        if case .client(let name) = envelope.requester {
            let answer = DelegatedTaskAnswer(
                serviceName: complete.serviceName, taskId: complete.taskId, outcome: outcome)
            step.outputs.append(.client(name: name, stamp.envelope(.delegatedTaskAnswer(answer), requester: nil)))
        }
        return step
    }

    private func handleTags(_ envelope: ServiceTagEnvelope, ids: Set<String>, now: Date) -> TagEngineStep {
        var stamp = MessageStamp(
            inputMessageId: envelope.messageId, emitterName: emitterName, now: now, headers: envelope.headers)
        let message = envelope.message
        switch message {
        case .addTag(let change):
            return TagEngineStep(writes: [StateWrite(key: idsKey(message), operation: .addToSet([change.taskId]))])
        case .removeTag(let change):
            return TagEngineStep(writes: [StateWrite(key: idsKey(message), operation: .removeFromSet([change.taskId]))])
        case .getIds(let query):
            guard case .client(let name) = envelope.requester else { return TagEngineStep() }
            let answer = IdsByTag(name: query.serviceName, tag: query.tag, ids: ids.sorted())
            return TagEngineStep(outputs: [.client(name: name, stamp.envelope(.taskIds(answer), requester: nil))])
        case .setDelegatedTask, .completeDelegatedTask, .forgetDelegatedTask, .abandonDelegatedTask:
            return handle(envelope, ids: ids, stored: nil, now: now, codec: BinaryPayloadCodec())
        }
    }
}
