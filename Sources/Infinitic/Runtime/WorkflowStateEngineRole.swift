import Logging
import ServiceLifecycle

/// The workflow state engine of one workflow: consumes the keyed `workflow-engine:<Name>` (one message per
/// workflow id at a time), reads the instance's state with its version (prefetched by the transport with the
/// workflow's lock), and acknowledges each message
/// together with the new state (compare-and-set on the version) and the messages it emits. A version
/// conflict makes the transport run the handler again on fresh state.
public struct WorkflowStateEngineRole: Service {
    /// The consumer group of workflow state engines.
    public static let group = "workflow-state-engine"

    public let workflowName: String
    public let environment: RoleEnvironment
    public let settings: ConsumerSettings
    private let engine: WorkflowStateEngine
    private let logger: Logger

    public init(workflowName: String, environment: RoleEnvironment, settings: ConsumerSettings = .init()) {
        self.workflowName = workflowName
        self.environment = environment
        self.settings = settings
        self.engine = WorkflowStateEngine(workflowName: workflowName, emitterName: environment.emitterName)
        self.logger = environment.logger(role: Self.group, name: workflowName)
    }

    public func run() async throws {
        let subscription = settings.subscription(
            topic: Topics.workflowEngine(workflowName), group: Self.group, consumer: environment.consumerName(),
            prefetch: Topics.workflowStatePrefetch(workflowName))
        logger.debug("workflow state engine starting", metadata: ["concurrency": "\(settings.concurrency)"])
        try await environment.transport.consume(subscription) { message in
            try await handle(message)
        }
        logger.debug("workflow state engine stopped")
    }

    private func handle(_ message: ReceivedMessage) async throws -> Disposition {
        let key: StateKey
        do {
            key = try engine.stateKey(for: message, codec: environment.codec)
        } catch {
            logger.warning(
                "undecodable workflow engine message", metadata: ["id": "\(message.id)", "error": "\(error)"])
            return .deadLetter(reason: "undecodable workflow engine message: \(error)")
        }
        // The transport read the state when it took the workflow's lock, unless this is a run after a conflict.
        let stored: VersionedValue?
        if let prefetched = message.prefetchedState, prefetched.key == key {
            stored = prefetched.value
        } else {
            stored = try await environment.transport.read(key)
        }
        let disposition = engine.disposition(
            for: message, stored: stored, codec: environment.codec, now: environment.now())
        if case .deadLetter(let reason) = disposition {
            logger.warning(
                "dead-lettering a workflow engine message", metadata: ["id": "\(message.id)", "reason": "\(reason)"])
        }
        return disposition
    }
}
