import Foundation
import Logging

/// The service executor of one service: consumes `service-executor:<Name>` and runs each task through the
/// registered implementation (through the interceptors). A task's result goes to the requesting workflow in the
/// same commit as the acknowledgement; a failure is retried by the retry policy through scheduled delivery. An
/// attempt running longer than its execution timeout fails with `TaskExecutionTimeoutError` (its code is
/// cancelled, and the message is released even if the code ignores cancellation).
///
/// The tasks of a batch method (`ServiceDefinition.batch(_:maxMessages:maxWait:_:)`) are gathered across the
/// handlers running at once into batches of one method and batch key: each task keeps its own message, result,
/// events and commit; only the call of the implementation (and its execution timeout) is shared.
public struct ServiceExecutorRole: Role {
    public static let group = "service-executor"

    public let definition: ServiceDefinition
    private let executor: ServiceExecutor
    private let batcher = TaskBatcher()
    /// Whether each attempt's events go to the events topic, in the attempt's commit.
    public let events: EventSettings?

    public init(
        definition: ServiceDefinition, emitterName: String, codec: any PayloadCodec, events: EventSettings? = nil
    ) {
        self.definition = definition
        self.executor = ServiceExecutor(definitions: [definition], emitterName: emitterName, codec: codec)
        self.events = events
    }

    public var name: String { definition.name }
    public var topic: Topic { Topics.serviceExecutor(definition.name) }

    public func decode(_ message: ReceivedMessage) throws -> ServiceExecutorEnvelope {
        try executor.codec.decode(ServiceExecutorEnvelope.self, from: message.payload)
    }

    public func step(
        _ inputs: [RoleInput<ServiceExecutorEnvelope>], context: RoleContext
    ) async throws -> BatchDisposition {
        // Delegated tasks are registered before any method runs, so that a completion sent as soon as a method
        // handed its task id out finds them; if the registration cannot be published, the batch is delivered again.
        if !definition.delegatedMethods.isEmpty { try await registerDelegated(inputs, context: context) }
        let attempts = await attempts(of: inputs.map(\.value), context: context)
        return try settle(inputs, attempts: attempts, context: context)
    }

    /// Publishes the registrations of the batch's delegated tasks (kept out of `step`'s async frame, allocated at
    /// every message).
    @inline(never)
    private func registerDelegated(_ inputs: [RoleInput<ServiceExecutorEnvelope>], context: RoleContext) async throws {
        let now = context.now()
        let registrations = try inputs.compactMap {
            try executor.delegatedRegistration(for: $0.value, now: now)?.outgoingMessage(codec: executor.codec)
        }
        if !registrations.isEmpty { try await context.publish(registrations) }
    }

    /// The commit of the attempts: each task's result (or retry) and events. Synchronous and not inlined into
    /// `step`, so that its temporaries stay on the thread's stack instead of enlarging `step`'s async frame (which
    /// the task allocator takes from the heap at every message).
    @inline(never)
    private func settle(
        _ inputs: [RoleInput<ServiceExecutorEnvelope>], attempts: [Attempt], context: RoleContext
    ) throws -> BatchDisposition {
        var messages: [OutgoingMessage] = []
        var events: [CloudEvent] = []
        for (input, attempt) in zip(inputs, attempts) {
            let envelope = input.value
            let task = envelope.message
            let (startedAt, result, endedAt) = attempt
            if case .failure = result, Task.isCancelled {
                // Interrupted by a hard stop of the worker, not failed: leave the message to be delivered again.
                throw CancellationError()
            }
            if case .failure(let error) = result {
                context.logger.debug(
                    "task failed",
                    metadata: [
                        LogKeys.taskId: "\(task.taskId)", LogKeys.method: "\(task.methodName)",
                        "retryIndex": "\(task.retryIndex)", LogKeys.error: "\(error)",
                    ])
            }
            let outputs = executor.outputs(of: result, for: envelope, now: context.now(), random: context.random)
            messages += try outputs.map { try $0.outgoingMessage(codec: executor.codec) }
            if let settings = self.events {
                events += TaskEvents.events(
                    of: envelope, result: result, outputs: outputs, startedAt: startedAt, endedAt: endedAt,
                    settings: settings)
            }
        }
        if let message = try self.events?.message(events) { messages.append(message) }
        return .ack(Commit(messages: messages))
    }

    /// When an attempt started, its result and when it ended.
    private typealias Attempt = (startedAt: Date, result: Result<Payload, any Error>, endedAt: Date)

    /// Runs the tasks: one after the other, except the tasks of batch methods, which run at once so that they
    /// can share batches. Returns the attempts in order.
    private func attempts(of envelopes: [ServiceExecutorEnvelope], context: RoleContext) async -> [Attempt] {
        let batched = envelopes.indices.filter { definition.batchMethods[envelopes[$0].message.methodName] != nil }
        guard batched.count > 1 else {
            // No batch to share (the usual case): no task group.
            var attempts: [Attempt] = []
            for envelope in envelopes { attempts.append(await attempt(envelope, context: context)) }
            return attempts
        }
        return await attempts(of: envelopes, batching: batched, context: context)
    }

    /// Runs one task: when it started, its result, when it ended.
    private func attempt(_ envelope: ServiceExecutorEnvelope, context: RoleContext) async -> Attempt {
        let startedAt = context.now()
        let result = await execute(envelope, context: context)
        return (startedAt, result, context.now())
    }

    /// Runs the tasks, those of batch methods (`batched`, two or more) at once. Kept out of `attempts(of:context:)`:
    /// a task group makes the async frame large, and that frame is allocated at every message.
    @inline(never)
    private func attempts(
        of envelopes: [ServiceExecutorEnvelope], batching batched: [Int], context: RoleContext
    ) async -> [Attempt] {
        @Sendable func attempt(_ envelope: ServiceExecutorEnvelope) async -> Attempt {
            await self.attempt(envelope, context: context)
        }
        let together = Set(batched)
        var attempts: [Attempt?] = Array(repeating: nil, count: envelopes.count)
        await withTaskGroup(of: (Int, Attempt).self) { group in
            for index in batched {
                group.addTask { (index, await attempt(envelopes[index])) }
            }
            for index in envelopes.indices where !together.contains(index) {
                attempts[index] = await attempt(envelopes[index])
            }
            for await (index, done) in group { attempts[index] = done }
        }
        return attempts.map { $0! }
    }

    /// Runs the task through the interceptors (directly when there are none).
    private func execute(_ envelope: ServiceExecutorEnvelope, context: RoleContext) async -> Result<Payload, any Error>
    {
        guard !context.interceptors.isEmpty else { return await run(envelope, context: context) }
        return await executeIntercepted(envelope, context: context)
    }

    /// Runs the task through the interceptors (kept out of `execute`'s async frame, allocated at every task).
    @inline(never)
    private func executeIntercepted(
        _ envelope: ServiceExecutorEnvelope, context: RoleContext
    ) async -> Result<Payload, any Error> {
        let input = ExecuteTaskInput(task: envelope.message, requester: envelope.requester, headers: envelope.headers)
        return await context.interceptors.executeTask(input) { input in
            var envelope = envelope
            envelope.message = input.task
            envelope.headers = input.headers
            return await run(envelope, context: context)
        }
    }

    /// Runs the task, within its execution timeout if it has one. A task of a batch method joins a batch, unless it
    /// is an automatic retry: that one runs alone, at once.
    private func run(_ envelope: ServiceExecutorEnvelope, context: RoleContext) async -> Result<Payload, any Error> {
        let task = envelope.message
        if let method = definition.batchMethods[task.methodName] {
            guard task.retryIndex == 0 else { return await runBatch([envelope], method: method, context: context)[0] }
            return await batcher.submit(envelope, maxMessages: method.maxMessages, maxWait: method.maxWait) {
                envelopes in
                await runBatch(envelopes, method: method, context: context)
            }
        }
        let executor = self.executor
        return await withinExecutionTimeout(
            of: task.methodName, context: context, { await executor.invoke(envelope) },
            onTimeout: { timeout in
                context.logger.warning(
                    "task exceeded its execution timeout, cancelling it",
                    metadata: [
                        LogKeys.taskId: "\(task.taskId)", LogKeys.method: "\(task.methodName)",
                        LogKeys.timeout: "\(timeout)",
                    ])
                return .failure(
                    TaskExecutionTimeoutError(
                        serviceName: task.serviceName, methodName: task.methodName, taskId: task.taskId,
                        timeoutSeconds: timeout.inSeconds))
            }, onError: { .failure($0) })
    }

    /// Runs `body` within the execution timeout of `methodName` (directly when it has none): its value, else
    /// `onTimeout` past the limit (the body is cancelled and left to finish in the overrun pool), or `onError` if
    /// the handler is cancelled first.
    private func withinExecutionTimeout<Value: Sendable>(
        of methodName: String, context: RoleContext, _ body: @escaping @Sendable () async -> Value,
        onTimeout: (Duration) -> Value, onError: (any Error) -> Value
    ) async -> Value {
        guard let timeout = definition.executionTimeout(for: methodName) else { return await body() }
        do {
            switch try await TimeLimit(duration: timeout, pool: context.pool).run(body) {
            case .finished(let value): return value
            case .timedOut: return onTimeout(timeout)
            }
        } catch {
            return onError(error)
        }
    }

    /// Runs a batch through its method, within the method's execution timeout if it has one (the whole batch then
    /// fails with `TaskExecutionTimeoutError`).
    private func runBatch(
        _ envelopes: [ServiceExecutorEnvelope], method: BatchMethod, context: RoleContext
    ) async -> [Result<Payload, any Error>] {
        let first = envelopes[0].message
        let metadata: Logger.Metadata = [
            LogKeys.method: "\(first.methodName)", "batchSize": "\(envelopes.count)",
            "batchKey": "\(first.meta[TaskContext.batchKeyMeta] ?? "")",
        ]
        context.logger.debug("running a batch", metadata: metadata)
        let executor = self.executor
        let outcome: (results: [Result<Payload, any Error>], extraKeys: [String]) = await withinExecutionTimeout(
            of: first.methodName, context: context, { await executor.invokeBatch(envelopes, method: method) },
            onTimeout: { timeout in
                context.logger.warning(
                    "batch exceeded its execution timeout, cancelling it",
                    metadata: metadata.merging([LogKeys.timeout: "\(timeout)"]) { first, _ in first })
                let results = envelopes.map { envelope -> Result<Payload, any Error> in
                    .failure(
                        TaskExecutionTimeoutError(
                            serviceName: envelope.message.serviceName, methodName: envelope.message.methodName,
                            taskId: envelope.message.taskId, timeoutSeconds: timeout.inSeconds))
                }
                return (results, [])
            }, onError: { error in (envelopes.map { _ in .failure(error) }, []) })
        if !outcome.extraKeys.isEmpty {
            context.logger.warning(
                "a batch method returned results for tasks not in the batch, ignored",
                metadata: metadata.merging(["taskIds": "\(outcome.extraKeys)"]) { first, _ in first })
        }
        return outcome.results
    }
}

extension ServiceExecutorRole {
    /// The role with the emitter name and codec of `environment`.
    public init(definition: ServiceDefinition, environment: RoleEnvironment) {
        self.init(
            definition: definition, emitterName: environment.emitterName, codec: environment.codec,
            events: environment.events)
    }
}
