import Logging
import ServiceLifecycle

/// The workflow executor of one workflow: consumes `workflow-executor:<Name>` and replays each workflow task
/// against its history, acknowledging it together with its result for the state engine and the dispatch of
/// the new commands.
public struct WorkflowExecutorRole: Service {
    /// The consumer group of workflow executors.
    public static let group = "workflow-executor"

    public let definition: WorkflowDefinition
    public let environment: RoleEnvironment
    public let settings: ConsumerSettings
    private let executor: WorkflowExecutor
    private let logger: Logger

    public init(
        definition: WorkflowDefinition, environment: RoleEnvironment, settings: ConsumerSettings = .init(),
        checkMode: CheckMode = .simple
    ) {
        self.definition = definition
        self.environment = environment
        self.settings = settings
        self.executor = WorkflowExecutor(
            definitions: [definition], emitterName: environment.emitterName, checkMode: checkMode,
            codec: environment.codec)
        self.logger = environment.logger(role: Self.group, name: definition.name)
    }

    public func run() async throws {
        let subscription = settings.subscription(
            topic: Topics.workflowExecutor(definition.name), group: Self.group, consumer: environment.consumerName())
        logger.debug("workflow executor starting", metadata: ["concurrency": "\(settings.concurrency)"])
        try await environment.transport.consume(subscription) { message in
            let disposition = await executor.disposition(for: message, now: environment.now())
            // A replay interrupted by a hard stop may have recorded the interruption as a failure of the
            // workflow code: leave the message to be replayed again (replays are deterministic).
            try Task.checkCancellation()
            if case .deadLetter(let reason) = disposition {
                logger.warning(
                    "dead-lettering a workflow task", metadata: ["id": "\(message.id)", "reason": "\(reason)"])
            }
            return disposition
        }
        logger.debug("workflow executor stopped")
    }
}
