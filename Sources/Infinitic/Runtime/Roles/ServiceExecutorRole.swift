import Foundation
import Logging

/// The service executor of one service: consumes `service-executor:<Name>` and runs each task through the
/// registered implementation (through the interceptors). A task's result goes to the requesting workflow in the
/// same commit as the acknowledgement; a failure is retried by the retry policy through scheduled delivery. An
/// attempt running longer than its execution timeout fails with `TaskExecutionTimeoutError` (its code is
/// cancelled, and the message is released even if the code ignores cancellation).
public struct ServiceExecutorRole: Role {
    public static let group = "service-executor"

    public let definition: ServiceDefinition
    private let executor: ServiceExecutor
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
        var messages: [OutgoingMessage] = []
        var events: [CloudEvent] = []
        for input in inputs {
            let envelope = input.value
            let task = envelope.message
            let startedAt = context.now()
            let result = await execute(envelope, context: context)
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
                    of: envelope, result: result, outputs: outputs, startedAt: startedAt, endedAt: context.now(),
                    settings: settings)
            }
        }
        if let message = try self.events?.message(events) { messages.append(message) }
        return .ack(Commit(messages: messages))
    }

    /// Runs the task through the interceptors (directly when there are none).
    private func execute(_ envelope: ServiceExecutorEnvelope, context: RoleContext) async -> Result<Payload, any Error>
    {
        guard !context.interceptors.isEmpty else { return await run(envelope, context: context) }
        let input = ExecuteTaskInput(task: envelope.message, requester: envelope.requester, headers: envelope.headers)
        return await context.interceptors.executeTask(input) { input in
            var envelope = envelope
            envelope.message = input.task
            envelope.headers = input.headers
            return await run(envelope, context: context)
        }
    }

    /// Runs the task, within its execution timeout if it has one.
    private func run(_ envelope: ServiceExecutorEnvelope, context: RoleContext) async -> Result<Payload, any Error> {
        let task = envelope.message
        guard let timeout = definition.executionTimeout(for: task.methodName) else {
            return await executor.invoke(envelope)
        }
        let executor = self.executor
        do {
            switch try await TimeLimit(duration: timeout, pool: context.pool).run({ await executor.invoke(envelope) }) {
            case .finished(let result):
                return result
            case .timedOut:
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
            }
        } catch {
            return .failure(error)
        }
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
