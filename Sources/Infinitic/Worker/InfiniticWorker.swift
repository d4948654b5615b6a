import Logging
import ServiceLifecycle
import Synchronization

/// A worker: runs the roles its configuration selects, each consuming its topic on the transport, until its
/// task is cancelled or a graceful shutdown begins (then every role stops reading, lets running handlers
/// finish, and `run()` returns). Use it in a `ServiceGroup` for SIGTERM handling:
///
/// ```swift
/// let worker = try InfiniticWorker(
///     configuration: WorkerConfiguration(
///         transport: .redis(url: "redis://127.0.0.1:6379"), services: [hotel], workflows: [bookTrip]),
///     logger: logger)
/// let group = ServiceGroup(services: [worker], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
public final class InfiniticWorker: Service {
    public let configuration: WorkerConfiguration
    private let logger: Logger
    private let running = Atomic(false)
    /// While it runs: its transport and what each of its roles consumes (for `backlogs()`).
    private let consuming = Mutex<(transport: any Transport, subscriptions: [RoleSubscription])?>(nil)

    /// What one role of a worker consumes.
    public struct RoleSubscription: Sendable, Hashable {
        /// The kind of role (`service-executor`, `workflow-state-engine`...).
        public var role: String
        /// The service or workflow it serves.
        public var name: String
        public var topic: Topic
        public var group: String
    }

    /// How far each role of the running worker is behind on its topic (empty when it does not run, or when its
    /// transport cannot tell). A role whose group does not exist yet is left out.
    public func backlogs() async throws -> [(RoleSubscription, ConsumerBacklog)] {
        guard let (transport, subscriptions) = consuming.withLock({ $0 }) else { return [] }
        var backlogs: [(RoleSubscription, ConsumerBacklog)] = []
        for subscription in subscriptions {
            if let backlog = try await transport.backlog(of: subscription.topic, group: subscription.group) {
                backlogs.append((subscription, backlog))
            }
        }
        return backlogs
    }

    /// Whether the worker runs: connected, its roles started, and not stopping (a health check reads it).
    public var isRunning: Bool { running.load(ordering: .relaxed) }

    /// Validates `configuration` (see `WorkerConfiguration.validate()`); connects only when run. Logs (and lets
    /// its transport and roles log) to `logger`, to nothing by default.
    public init(configuration: WorkerConfiguration, logger: Logger = .disabled("infinitic.worker")) throws {
        try configuration.validate()
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: LogKeys.worker] = "\(configuration.name)"
        self.logger = logger
    }

    /// Connects the transport (for Redis: checks the server first, and fails with a clear error if it cannot be
    /// used), then runs every role until cancellation or graceful shutdown. If a role fails, the others are
    /// cancelled and the error is thrown.
    public func run() async throws {
        let connected = try await configuration.transport.connect(logger: logger)
        defer { connected.close() }
        let environment = RoleEnvironment(
            transport: connected.transport, emitterName: configuration.name, codec: configuration.codec,
            logger: logger, interceptors: configuration.interceptors, events: configuration.events)
        let roles = configuration.resolvedRoles
        var subscriptions: [RoleSubscription] = []
        let services = try roles.flatMap {
            try self.services(for: $0, environment: environment, subscriptions: &subscriptions)
        }
        consuming.withLock { $0 = (connected.transport, subscriptions) }
        defer { consuming.withLock { $0 = nil } }
        logger.info("worker started", metadata: [LogKeys.roles: "\(roles.map(\.description).joined(separator: ", "))"])
        running.store(true, ordering: .relaxed)
        defer { running.store(false, ordering: .relaxed) }
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in services {
                    group.addTask { try await service.run() }
                }
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            // Not running once a graceful shutdown begins (the roles drain meanwhile).
            self.running.store(false, ordering: .relaxed)
        }
        logger.info("worker stopped")
    }

    /// The consumers running `role` (one, or two for an executor with sticky routing).
    private func services(
        for role: WorkerRole, environment: RoleEnvironment, subscriptions: inout [RoleSubscription]
    ) throws -> [any Service] {
        var settings = configuration.settings(for: role)
        var added: [RoleSubscription] = []
        defer { subscriptions += added }
        func runner<R: Role>(_ role: R) -> any Service {
            added.append(RoleSubscription(role: R.group, name: role.name, topic: role.topic, group: role.consumerGroup))
            return RoleRunner(role, environment: environment, settings: settings)
        }
        switch role {
        case .serviceExecutor(let name):
            guard let definition = configuration.services.first(where: { $0.name == name }) else {
                throw InfiniticError(.invalidConfiguration, "\(role) needs the ServiceDefinition of \(name)")
            }
            // A full batch must fit in the messages handled at once.
            let largestBatch = definition.batchMethods.values.map(\.maxMessages).max() ?? 1
            settings.concurrency = max(settings.concurrency, largestBatch)
            return [runner(ServiceExecutorRole(definition: definition, environment: environment))]
        case .serviceTagEngine(let name):
            return [runner(ServiceTagEngineRole(serviceName: name, environment: environment))]
        case .workflowExecutor(let name):
            // Every version of the workflow.
            let definitions = configuration.workflows.filter { $0.name == name }
            guard !definitions.isEmpty else {
                throw InfiniticError(.invalidConfiguration, "\(role) needs the WorkflowDefinition of \(name)")
            }
            // Beside its state engine replaying inline, it only gets the tasks the engine hands over: no sticky
            // routing. Otherwise it keeps replays parked and consumes its own topic too.
            guard !replaysInline(name), configuration.stickyReplays > 0 else {
                return [runner(WorkflowExecutorRole(runner: workflowTaskRunner(definitions, environment: environment)))]
            }
            let executorId = configuration.name + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let sticky = workflowTaskRunner(
                definitions, environment: environment, stickyReplays: configuration.stickyReplays,
                stickyReplayCommands: configuration.stickyReplayCommands, stickyExecutor: executorId)
            return [
                StickyExecutorService(
                    shared: runner(WorkflowExecutorRole(runner: sticky)),
                    own: runner(WorkflowExecutorRole(runner: sticky, ownTopic: true)), runner: sticky,
                    environment: environment)
            ]
        case .workflowStateEngine(let name):
            var engine = WorkflowStateEngineRole(
                workflowName: name, environment: environment, resultRetention: configuration.resultRetention)
            if configuration.cachedStates > 0 {
                engine.stateCache = WorkflowStateCache(capacity: configuration.cachedStates)
            }
            // Every version of the workflow.
            let definitions = configuration.workflows.filter { $0.name == name }
            if replaysInline(name) {
                engine.inline = workflowTaskRunner(
                    definitions, environment: environment, stickyReplays: configuration.stickyReplays,
                    stickyReplayCommands: configuration.stickyReplayCommands)
            } else {
                engine.engine.stickyTaskTimeout = configuration.stickyTaskTimeout
            }
            return [runner(engine)]
        case .workflowTagEngine(let name):
            return [runner(WorkflowTagEngineRole(workflowName: name, environment: environment))]
        case .eventListener(let name):
            guard let listener = configuration.eventListener else {
                throw InfiniticError(.invalidConfiguration, "\(role) needs an `eventListener`")
            }
            var settings = configuration.eventListenerSettings
            settings.name = name
            return [
                runner(
                    EventListenerRole(
                        listener: listener, settings: settings, events: configuration.events ?? EventSettings()))
            ]
        }
    }

    /// Whether this worker's state engine of workflow `name` replays its workflow tasks inline.
    private func replaysInline(_ name: String) -> Bool {
        let roles = configuration.resolvedRoles
        return configuration.inlineWorkflowTasks && roles.contains(.workflowStateEngine(name))
            && roles.contains(.workflowExecutor(name)) && configuration.workflows.contains { $0.name == name }
    }

    /// How this worker runs the workflow tasks of `definitions` (the versions of one workflow).
    private func workflowTaskRunner(
        _ definitions: [WorkflowDefinition], environment: RoleEnvironment, stickyReplays: Int = 0,
        stickyReplayCommands: Int = 0, stickyExecutor: String? = nil
    ) -> WorkflowTaskRunner {
        WorkflowTaskRunner(
            definitions: definitions, emitterName: environment.emitterName, codec: environment.codec,
            checkMode: configuration.checkMode, workflowTaskTimeout: configuration.workflowTaskTimeout,
            stickyReplays: stickyReplays, stickyReplayCommands: stickyReplayCommands, stickyExecutor: stickyExecutor)
    }
}
