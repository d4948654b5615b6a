import Logging
import ServiceLifecycle

/// The workflow executor of one workflow: consumes `workflow-executor:<Name>` and replays each workflow task
/// against its history, acknowledging it together with its result for the state engine and the dispatch of
/// the new commands. A replay running longer than `workflowTaskTimeout` (workflow code awaiting something else
/// than its context) fails the method with a `WorkflowTaskTimeoutError`.
public struct WorkflowExecutorRole: Service {
    /// The consumer group of workflow executors.
    public static let group = "workflow-executor"

    public let definition: WorkflowDefinition
    public let environment: RoleEnvironment
    public let settings: ConsumerSettings
    public let workflowTaskTimeout: Duration?
    private let executor: WorkflowExecutor
    private let logger: Logger

    public init(
        definition: WorkflowDefinition, environment: RoleEnvironment, settings: ConsumerSettings = .init(),
        checkMode: CheckMode = .simple, workflowTaskTimeout: Duration? = .seconds(60)
    ) {
        self.definition = definition
        self.environment = environment
        self.settings = settings
        self.workflowTaskTimeout = workflowTaskTimeout
        self.executor = WorkflowExecutor(
            definitions: [definition], emitterName: environment.emitterName, checkMode: checkMode,
            codec: environment.codec)
        self.logger = environment.logger(role: Self.group, name: definition.name)
    }

    public func run() async throws {
        let subscription = settings.subscription(
            topic: Topics.workflowExecutor(definition.name), group: Self.group, consumer: environment.consumerName())
        logger.debug("workflow executor starting", metadata: ["concurrency": "\(settings.concurrency)"])
        try await OverrunPool.withPool { pool in
            try await environment.transport.consume(subscription) { message in
                try await handle(message, pool: pool)
            }
        }
        logger.debug("workflow executor stopped")
    }

    private func handle(_ message: ReceivedMessage, pool: OverrunPool) async throws -> Disposition {
        let envelope: WorkflowExecutorEnvelope
        do {
            envelope = try environment.codec.decode(WorkflowExecutorEnvelope.self, from: message.payload)
        } catch {
            logger.warning("undecodable workflow task", metadata: ["id": "\(message.id)", "error": "\(error)"])
            return .deadLetter(reason: "undecodable workflow task: \(error)")
        }
        let output = try await replay(envelope, pool: pool)
        // A replay interrupted by a hard stop may have recorded the interruption as a failure of the workflow
        // code: leave the message to be replayed again (replays are deterministic).
        try Task.checkCancellation()
        let outputs = executor.outputs(of: output, for: envelope, now: environment.now())
        return .ack(Commit(messages: try outputs.map { try $0.outgoingMessage(codec: environment.codec) }))
    }

    private func replay(_ envelope: WorkflowExecutorEnvelope, pool: OverrunPool) async throws -> WorkflowTaskOutput {
        let executor = self.executor
        guard let timeout = workflowTaskTimeout else { return await executor.replay(envelope) }
        switch try await TimeLimit(duration: timeout, pool: pool).run({ await executor.replay(envelope) }) {
        case .finished(let output):
            return output
        case .timedOut:
            let task = envelope.message
            logger.warning(
                "workflow task exceeded its timeout, failing the method",
                metadata: ["workflowId": "\(task.workflowId)", "method": "\(task.method.methodName)"])
            let error = WorkflowTaskTimeoutError(
                workflowName: task.workflowName, workflowId: task.workflowId, methodName: task.method.methodName,
                timeoutSeconds: timeout.inSeconds)
            return executor.failedOutput(for: task, error: error)
        }
    }
}
