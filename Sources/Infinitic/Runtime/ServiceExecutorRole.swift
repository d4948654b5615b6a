import Foundation
import Logging
import ServiceLifecycle

/// The service executor of one service: consumes `service-executor:<Name>` and runs each task through the
/// registered implementation, at most `settings.concurrency` at once. A task's result goes to the requesting
/// workflow in the same commit as the acknowledgement; a failure is retried by the retry policy through
/// scheduled delivery. An attempt running longer than its execution timeout fails with
/// `TaskExecutionTimeoutError` (its code is cancelled, and the message is released even if the code ignores
/// cancellation).
public struct ServiceExecutorRole: Service {
    /// The consumer group of service executors.
    public static let group = "service-executor"

    public let definition: ServiceDefinition
    public let environment: RoleEnvironment
    public let settings: ConsumerSettings
    private let executor: ServiceExecutor
    private let logger: Logger

    public init(definition: ServiceDefinition, environment: RoleEnvironment, settings: ConsumerSettings = .init()) {
        self.definition = definition
        self.environment = environment
        self.settings = settings
        self.executor = ServiceExecutor(
            definitions: [definition], emitterName: environment.emitterName, codec: environment.codec)
        self.logger = environment.logger(role: Self.group, name: definition.name)
    }

    public func run() async throws {
        let subscription = settings.subscription(
            topic: Topics.serviceExecutor(definition.name), group: Self.group, consumer: environment.consumerName())
        logger.debug("service executor starting", metadata: ["concurrency": "\(settings.concurrency)"])
        try await OverrunPool.withPool { pool in
            try await environment.transport.consume(subscription) { message in
                try await handle(message, pool: pool)
            }
        }
        logger.debug("service executor stopped")
    }

    private func handle(_ message: ReceivedMessage, pool: OverrunPool) async throws -> Disposition {
        let envelope: ServiceExecutorEnvelope
        do {
            envelope = try environment.codec.decode(ServiceExecutorEnvelope.self, from: message.payload)
        } catch {
            logger.warning("undecodable service task", metadata: ["id": "\(message.id)", "error": "\(error)"])
            return .deadLetter(reason: "undecodable service task: \(error)")
        }
        let task = envelope.message
        let result: Result<Payload, any Error>
        if let timeout = definition.executionTimeout(for: task.methodName) {
            result = try await invoke(envelope, timeout: timeout, pool: pool)
        } else {
            result = await executor.invoke(envelope)
        }
        if case .failure = result, Task.isCancelled {
            // Interrupted by a hard stop of the worker, not failed: leave the message to be delivered again.
            throw CancellationError()
        }
        if case .failure(let error) = result {
            logger.debug(
                "task failed",
                metadata: [
                    "taskId": "\(task.taskId)", "method": "\(task.methodName)", "retryIndex": "\(task.retryIndex)",
                    "error": "\(error)",
                ])
        }
        let outputs = executor.outputs(
            of: result, for: envelope, now: environment.now(), random: { .random(in: 0..<1) })
        return .ack(Commit(messages: try outputs.map { try $0.outgoingMessage(codec: environment.codec) }))
    }

    /// Runs the task within `timeout`: its result, or a timeout failure as soon as the time is up.
    private func invoke(
        _ envelope: ServiceExecutorEnvelope, timeout: Duration, pool: OverrunPool
    ) async throws -> Result<Payload, any Error> {
        let executor = self.executor
        switch try await TimeLimit(duration: timeout, pool: pool).run({ await executor.invoke(envelope) }) {
        case .finished(let result):
            return result
        case .timedOut:
            let task = envelope.message
            logger.warning(
                "task exceeded its execution timeout, cancelling it",
                metadata: ["taskId": "\(task.taskId)", "method": "\(task.methodName)", "timeout": "\(timeout)"])
            return .failure(
                TaskExecutionTimeoutError(
                    serviceName: task.serviceName, methodName: task.methodName, taskId: task.taskId,
                    timeoutSeconds: timeout.inSeconds))
        }
    }
}
