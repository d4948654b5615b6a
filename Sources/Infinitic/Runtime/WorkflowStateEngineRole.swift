import Logging
import ServiceLifecycle

/// The workflow state engine of one workflow: consumes the keyed `workflow-engine:<Name>` (one batch of
/// messages per workflow id at a time: the messages of an instance that wait together are applied in one step),
/// reads the instance's state header with the batch (the transport prefetches it with the workflow's lock),
/// then the parts the step needs, and acknowledges the batch together with the changed parts of the state
/// (compare-and-set on the version) and the messages it emits. A version conflict makes the transport run the
/// step again on fresh state.
public struct WorkflowStateEngineRole: Service {
    /// The consumer group of workflow state engines.
    public static let group = "workflow-state-engine"
    /// The most messages of one instance applied in one step.
    public static let batchSize = 100

    public let workflowName: String
    public let environment: RoleEnvironment
    public let settings: ConsumerSettings
    private let engine: WorkflowStateEngine
    private let logger: Logger

    public init(workflowName: String, environment: RoleEnvironment, settings: ConsumerSettings = .init()) {
        self.workflowName = workflowName
        self.environment = environment
        self.settings = settings
        self.engine = WorkflowStateEngine(
            workflowName: workflowName, emitterName: environment.emitterName, codec: environment.codec)
        self.logger = environment.logger(role: Self.group, name: workflowName)
    }

    public func run() async throws {
        var subscription = settings.subscription(
            topic: Topics.workflowEngine(workflowName), group: Self.group, consumer: environment.consumerName(),
            prefetch: WorkflowStateEngine.prefetch(workflowName))
        subscription.keyBatchSize = Self.batchSize
        logger.debug("workflow state engine starting", metadata: ["concurrency": "\(settings.concurrency)"])
        try await environment.transport.consume(subscription) { batch in
            await handle(batch)
        }
        logger.debug("workflow state engine stopped")
    }

    private func handle(_ batch: MessageBatch) async -> BatchDisposition {
        let transport = environment.transport
        let workflowName = self.workflowName
        let key = batch.key.map { Topics.workflowState(workflowName, workflowId: $0) }
        // The transport read the state when it took the workflow's lock, unless this is a run after a conflict.
        let prefetched = batch.prefetchedState.flatMap { $0.key == key ? $0 : nil }
        let stored: StateFields?
        do {
            if let prefetched {
                stored = prefetched.fields
            } else if let key {
                stored = try await transport.read(key, fields: [WorkflowStateEngine.headerField])
            } else {
                stored = nil
            }
        } catch {
            return BatchDisposition(.retry(after: .seconds(1), reason: "cannot read the workflow state: \(error)"))
        }
        let decision = await engine.disposition(
            for: batch, stored: stored,
            read: { fields in
                guard let key else { return nil }
                return try await transport.read(key, fields: fields.map { [WorkflowStateEngine.headerField] + $0 })
            }, now: environment.now())
        for (id, reason) in decision.deadLetters {
            logger.warning(
                "dead-lettering a workflow engine message", metadata: ["id": "\(id)", "reason": "\(reason)"])
        }
        return decision
    }
}
