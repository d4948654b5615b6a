import Logging
import ServiceLifecycle

/// The workflow tag engine of one workflow: consumes the keyed `workflow-tag:<Name>` (one message per tag at a
/// time), keeps the tag → workflow ids sets, answers id lookups and fans by-tag commands out to every instance.
public struct WorkflowTagEngineRole: Service {
    /// The consumer group of workflow tag engines.
    public static let group = "workflow-tag-engine"

    public let workflowName: String
    public let environment: RoleEnvironment
    public let settings: ConsumerSettings
    private let engine: WorkflowTagEngine
    private let logger: Logger

    public init(workflowName: String, environment: RoleEnvironment, settings: ConsumerSettings = .init()) {
        self.workflowName = workflowName
        self.environment = environment
        self.settings = settings
        self.engine = WorkflowTagEngine(emitterName: environment.emitterName)
        self.logger = environment.logger(role: Self.group, name: workflowName)
    }

    public func run() async throws {
        let subscription = settings.subscription(
            topic: Topics.workflowTag(workflowName), group: Self.group, consumer: environment.consumerName())
        let transport = environment.transport
        logger.debug("workflow tag engine starting", metadata: ["concurrency": "\(settings.concurrency)"])
        try await transport.consume(subscription) { message in
            let disposition = try await engine.disposition(
                for: message, codec: environment.codec, now: environment.now(),
                readIds: { try await transport.members(of: $0) })
            if case .deadLetter(let reason) = disposition {
                logger.warning(
                    "dead-lettering a workflow tag message", metadata: ["id": "\(message.id)", "reason": "\(reason)"])
            }
            return disposition
        }
        logger.debug("workflow tag engine stopped")
    }
}
