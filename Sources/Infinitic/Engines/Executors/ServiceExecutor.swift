import Foundation

/// Runs service tasks through their registered implementation, with a `TaskContext`, and turns the outcome
/// into messages: the result to the requesting workflow, or a retry scheduled by the retry policy, or the
/// final failure. Execution timeouts belong to the runtime loop (`ServiceExecutorRole`).
public struct ServiceExecutor: Sendable {
    public let emitterName: String
    public let codec: any PayloadCodec
    private let definitions: [String: ServiceDefinition]
    /// Retry delays are capped at one year.
    static let longestRetryDelaySeconds: Double = 365 * 24 * 3600

    public init(definitions: [ServiceDefinition], emitterName: String, codec: any PayloadCodec = JSONPayloadCodec()) {
        self.definitions = Dictionary(definitions.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.emitterName = emitterName
        self.codec = codec
    }

    /// Runs the task and returns what to send. `random` draws r in [0, 1) for the retry jitter.
    public func execute(
        _ envelope: ServiceExecutorEnvelope, now: Date, random: @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) async -> [Outbound] {
        outputs(of: await invoke(envelope), for: envelope, now: now, random: random)
    }

    /// The registered definition of a service.
    func definition(of serviceName: String) -> ServiceDefinition? {
        definitions[serviceName]
    }

    /// Runs the task's method with its `TaskContext` and returns the encoded result or the error.
    func invoke(_ envelope: ServiceExecutorEnvelope) async -> Result<Payload, any Error> {
        let task = envelope.message
        guard let definition = definitions[task.serviceName] else { return .failure(Self.unknownService(task)) }
        if let batchMethod = definition.batchMethods[task.methodName] {
            return await invokeBatch([envelope], method: batchMethod).results[0]
        }
        let context = taskContext(of: envelope)
        do {
            let payload = try await TaskContext.$current.withValue(context) {
                try await definition.invoke(method: task.methodName, arguments: task.arguments, codec: codec)
            }
            return .success(payload)
        } catch {
            return .failure(error)
        }
    }

    // `invoke`'s synchronous parts, kept out of its async frame (allocated at every task).

    @inline(never)
    private static func unknownService(_ task: ServiceTask) -> InvocationError {
        InvocationError(.unknownService, "no service \(task.serviceName) is registered here")
    }

    /// Runs the tasks of one batch (same service, method and batch key) through the batch method, with a
    /// `BatchContext`, and returns each task's result in the order of `envelopes`, with the task ids the method
    /// returned that were not in the batch.
    func invokeBatch(
        _ envelopes: [ServiceExecutorEnvelope], method: BatchMethod
    ) async -> (results: [Result<Payload, any Error>], extraKeys: [String]) {
        guard let first = envelopes.first?.message else { return ([], []) }
        var arguments: [String: [Payload]] = [:]
        var contexts: [String: TaskContext] = [:]
        for envelope in envelopes where arguments[envelope.message.taskId] == nil {
            arguments[envelope.message.taskId] = envelope.message.arguments
            contexts[envelope.message.taskId] = taskContext(of: envelope)
        }
        let batch = BatchContext(
            serviceName: first.serviceName, methodName: first.methodName,
            batchKey: first.meta[TaskContext.batchKeyMeta], tasks: contexts)
        let codec = self.codec
        let outcome = await TaskContext.$current.withValue(nil) {
            await BatchContext.$current.withValue(batch) { await method.run(arguments, codec) }
        }
        let results = envelopes.map { envelope in
            outcome.results[envelope.message.taskId]
                ?? .failure(
                    BatchResultMissingError(
                        serviceName: first.serviceName, methodName: first.methodName, taskId: envelope.message.taskId))
        }
        return (results, outcome.extraKeys)
    }

    /// The messages for a task outcome.
    func outputs(
        of result: Result<Payload, any Error>, for envelope: ServiceExecutorEnvelope, now: Date,
        random: () -> Double
    ) -> [Outbound] {
        let task = envelope.message
        var stamp = MessageStamp(
            inputMessageId: envelope.messageId, emitterName: emitterName, now: now, headers: envelope.headers)
        let delegated = isDelegated(task)
        switch result {
        case .success(let payload):
            // The result comes from `completeDelegatedTask` (registered before the method ran).
            if delegated { return [] }
            var outputs: [Outbound] = task.tags.sorted().map { tag in
                let change = TaskTagChange(serviceName: task.serviceName, tag: tag, taskId: task.taskId)
                return .serviceTag(stamp.envelope(.removeTag(change), requester: envelope.requester))
            }
            if let result = resultEnvelope(.completed(payload), for: envelope, stamp: &stamp) {
                outputs.append(.workflowEngine(result))
            }
            return outputs
        case .failure(let error):
            let description = ErrorDescription(error, codec: codec)
            let policy = definitions[task.serviceName]?.retryPolicy ?? .none
            let delay =
                error is InvocationError
                ? nil : policy.secondsBeforeRetry(retryIndex: task.retryIndex, error: description, random: random())
            let failure = TaskFailure(
                workerName: emitterName, error: description, retryIndex: task.retryIndex,
                retrySequence: task.retrySequence, secondsBeforeRetry: delay, previous: task.lastFailure)
            if let delay {
                var retry = task
                retry.retryIndex += 1
                retry.lastFailure = failure
                let retryEnvelope = Envelope(
                    messageId: StableId.make(
                        "retry", task.taskId, String(task.retrySequence), String(retry.retryIndex)),
                    emitterName: emitterName, emittedAt: now, requester: envelope.requester, message: retry)
                let milliseconds = Int64((min(delay, Self.longestRetryDelaySeconds) * 1000).rounded())
                if delegated {
                    return [abandon(envelope, retry: retryEnvelope, delay: milliseconds, failure: nil, stamp: &stamp)]
                }
                return [.serviceExecutor(retryEnvelope, delivery: .after(.milliseconds(milliseconds)))]
            }
            let failed = TaskFailedError(
                serviceName: task.serviceName, methodName: task.methodName, taskId: task.taskId, lastFailure: failure)
            let result = resultEnvelope(.failed(.taskFailed(failed)), for: envelope, stamp: &stamp)
            if delegated { return [abandon(envelope, retry: nil, delay: nil, failure: result, stamp: &stamp)] }
            return result.map { [.workflowEngine($0)] } ?? []
        }
    }

    /// For a failed attempt of a delegated task: its failure (the retry or the failure result) goes through the
    /// service tag engine, which drops it if a client completed the task meanwhile (the completion stands).
    private func abandon(
        _ envelope: ServiceExecutorEnvelope, retry: ServiceExecutorEnvelope?, delay: Int64?,
        failure: WorkflowEngineEnvelope?, stamp: inout MessageStamp
    ) -> Outbound {
        let task = envelope.message
        let abandon = AbandonDelegatedTask(
            serviceName: task.serviceName, taskId: task.taskId, retrySequence: task.retrySequence,
            retryIndex: task.retryIndex, retry: retry, retryDelayMilliseconds: delay, failure: failure)
        return .serviceTag(stamp.envelope(.abandonDelegatedTask(abandon), requester: envelope.requester))
    }

    /// Whether the task's method is delegated: it completes when a client calls `completeDelegatedTask`.
    func isDelegated(_ task: ServiceTask) -> Bool {
        definitions[task.serviceName]?.delegatedMethods.contains(task.methodName) ?? false
    }

    /// For a delegated task, the message that registers who waits for it with the service tag engine: published
    /// before the method runs, so that a completion sent as soon as the method handed the task id out (to a
    /// person, to a system that answers at once) finds it. Its id derives from the task message's, so a
    /// redelivered attempt registers the same message again.
    func delegatedRegistration(for envelope: ServiceExecutorEnvelope, now: Date) -> Outbound? {
        let task = envelope.message
        guard isDelegated(task) else { return nil }
        var stamp = MessageStamp(
            inputMessageId: StableId.make("delegated", envelope.messageId), emitterName: emitterName, now: now,
            headers: envelope.headers)
        let delegated = DelegatedTask(
            serviceName: task.serviceName, taskId: task.taskId, methodName: task.methodName,
            resultType: definitions[task.serviceName]?.resultTypes[task.methodName] ?? "", tags: task.tags,
            requester: envelope.requester, retrySequence: task.retrySequence, retryIndex: task.retryIndex)
        return .serviceTag(stamp.envelope(.setDelegatedTask(delegated), requester: envelope.requester))
    }

    /// The outcome for the requester: a command result for a workflow (clients do not dispatch tasks).
    private func resultEnvelope(
        _ outcome: CommandStatus, for envelope: ServiceExecutorEnvelope, stamp: inout MessageStamp
    ) -> WorkflowEngineEnvelope? {
        guard case .workflow(let name, let id, let methodId) = envelope.requester else { return nil }
        let result = CommandResult(
            workflowName: name, workflowId: id, methodId: methodId, commandId: envelope.message.taskId, outcome: outcome
        )
        return stamp.envelope(.commandResult(result), requester: envelope.requester)
    }

    /// The context of the task's method: its task, requester and headers (not inlined: `invoke`'s async frame,
    /// allocated at every task, stays small).
    @inline(never)
    private func taskContext(of envelope: ServiceExecutorEnvelope) -> TaskContext {
        let task = envelope.message
        var context = TaskContext(
            taskId: task.taskId, serviceName: task.serviceName, methodName: task.methodName, tags: task.tags,
            meta: task.meta, retryIndex: task.retryIndex, retrySequence: task.retrySequence,
            lastFailure: task.lastFailure)
        context.headers = envelope.headers
        if case .workflow(let name, let id, let methodId) = envelope.requester {
            context.workflowName = name
            context.workflowId = id
            context.methodId = methodId
            context.workflowVersion = task.workflowVersion
        }
        return context
    }
}
