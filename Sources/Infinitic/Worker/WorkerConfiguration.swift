/// What a worker runs: its transport, the services and workflows it registers, and which roles it runs for
/// them (by default every role of everything registered).
///
/// ```swift
/// var configuration = WorkerConfiguration(
///     transport: .redis(url: "redis://127.0.0.1:6379"), services: [hotel, flight], workflows: [bookTrip])
/// configuration.roles = [.workflowStateEngine("BookTrip")]        // or one role per process
/// configuration.roleSettings[.serviceExecutor("HotelBooking")] = ConsumerSettings(concurrency: 4)
/// ```
public struct WorkerConfiguration: Sendable {
    /// Opened when the worker runs, closed when it stops (`.redis(url:)` comes with `import InfiniticRedis`).
    public var transport: any TransportFactory
    /// Stamped on the messages the worker emits; unique consumer names derive from it.
    public var name: String
    public var services: [ServiceDefinition]
    /// Several versions of one workflow name may be registered (`WorkflowDefinition.version`), each once.
    public var workflows: [WorkflowDefinition]
    /// The roles to run; nil runs every role of every registered service and workflow. Executors need their
    /// definition registered; engines only need the name.
    public var roles: [WorkerRole]?
    /// The consumer settings of every role without its own entry in `roleSettings`.
    public var consumerSettings: ConsumerSettings
    public var roleSettings: [WorkerRole: ConsumerSettings]
    /// How strictly replays compare the code with the recorded history.
    public var checkMode: CheckMode
    /// How long one replay of workflow code may run (nil: no limit). Workflow code only awaits its context, so
    /// a replay takes milliseconds; past this, the method fails with `WorkflowTaskTimeoutError`.
    public var workflowTaskTimeout: Duration?
    /// How long a workflow method's outcome stays retrievable by id after the method left the instance's state
    /// (`client.handle(_:id:resultType:).result()` then still gets it; afterwards the method is unknown): 5
    /// minutes by default, zero to delete at once. Each retained outcome is one small field of the instance's
    /// state, read only by a client asking for it, and deleted when its retention is over.
    public var resultRetention: Duration
    /// Whether a worker that runs both the state engine and the executor of a workflow replays that workflow's
    /// tasks inline (true by default): the state engine step that dispatches a workflow task replays it at once
    /// and applies its result before its commit, so that the task never goes through the
    /// `workflow-executor` stream (two messages, an executor step and a state engine step less per workflow
    /// task; the replay, its interceptors, its timeout and its outputs are the same). Workers running only one of
    /// the two roles are not affected; workflow tasks they send still go to the executors.
    public var inlineWorkflowTasks: Bool = true
    /// How many methods' replays each workflow's state engine (with inline workflow tasks) or executor (without)
    /// keeps parked between their workflow tasks (sticky replay; 1,000 by default, 0 for none): the next workflow
    /// task of such a method resumes its code where it waits, with only what changed, instead of replaying it from
    /// its start with its whole history, so a long method's workflow task costs what it adds. Beyond that many,
    /// the least recently parked are dropped and replay from the start next time. The code after each `await`
    /// then runs once per worker instead of once per later workflow task: workflow code must not rely on being
    /// replayed.
    ///
    /// An executor that does not run beside its workflow's state engine also consumes a topic of its own and
    /// names it in its results: the state engines send it the next workflow task of a long method whose replay it
    /// keeps (sticky routing, see `stickyTaskTimeout`).
    public var stickyReplays: Int = 1_000
    /// The most commands the parked replays of one workflow know in all (100,000 by default): a parked replay's
    /// memory grows with its method's commands, about 1 KB each, so this bounds the cache's memory per workflow
    /// (about 100 MB by default) whatever the methods' lengths. The least recently parked are dropped first.
    public var stickyReplayCommands: Int = 100_000
    /// How many instances' states each workflow state engine keeps decoded between their steps (1,000 by default,
    /// 0 for none): an instance's next step then starts from the parts its last step decoded and wrote instead of
    /// decoding them again. A kept state is used only when the store still holds what its step wrote (same version,
    /// same header): the store stays the truth; the cache only saves decoding. Each kept state holds its header, its
    /// method records and a few more parts (see `WorkflowStateCache`); beyond that many instances, the least recently
    /// kept are dropped.
    public var cachedStates: Int = Self.defaultCachedStates
    /// The default of `cachedStates`.
    public static let defaultCachedStates = 1_000
    /// Sticky routing, for state engines that do not replay inline: how long the executor that keeps a method's
    /// replay parked has to complete the method's next workflow task, sent to its own topic with only what
    /// changed, before the task goes with the whole history to the other executors (10 seconds by default; nil or
    /// zero: every workflow task goes whole to the shared executor topic). Only methods whose history outgrew
    /// their record (more than 16 steps or 64 commands) are routed so; one delayed message per instance watches
    /// them. An executor that no longer has the replay answers at once, and one that stops gracefully hands its
    /// replays over: their tasks go whole without waiting.
    public var stickyTaskTimeout: Duration? = .seconds(10)
    /// The codec of messages, states and payloads: `BinaryPayloadCodec` by default, `JSONPayloadCodec` to read
    /// them in Redis. Must be the same for every worker and client of a deployment (neither reads the other's
    /// bytes: change it only on a deployment without stored states or messages in flight).
    public var codec: any PayloadCodec
    /// What every role's steps, task executions, workflow task replays and workflow commands pass: none by
    /// default (see `InfiniticInterceptor`).
    public var interceptors: Interceptors
    /// Whether the service executors and workflow state engines of this worker emit events to the events
    /// topic, for event listeners (nil: none). Give every worker of a fleet the same settings.
    public var events: EventSettings?
    /// User code receiving every event (`WorkerRole.eventListener`, run by default when set).
    public var eventListener: (any InfiniticEventListener)?
    public var eventListenerSettings: EventListenerSettings

    public init(
        transport: any TransportFactory, name: String = Subscription.uniqueConsumerName(),
        services: [ServiceDefinition] = [], workflows: [WorkflowDefinition] = [], roles: [WorkerRole]? = nil,
        consumerSettings: ConsumerSettings = ConsumerSettings(), roleSettings: [WorkerRole: ConsumerSettings] = [:],
        checkMode: CheckMode = .simple, workflowTaskTimeout: Duration? = .seconds(60),
        resultRetention: Duration = WorkerConfiguration.defaultResultRetention,
        codec: any PayloadCodec = BinaryPayloadCodec(), interceptors: Interceptors = [],
        events: EventSettings? = nil, eventListener: (any InfiniticEventListener)? = nil,
        eventListenerSettings: EventListenerSettings = EventListenerSettings()
    ) {
        self.transport = transport
        self.name = name
        self.services = services
        self.workflows = workflows
        self.roles = roles
        self.consumerSettings = consumerSettings
        self.roleSettings = roleSettings
        self.checkMode = checkMode
        self.workflowTaskTimeout = workflowTaskTimeout
        self.resultRetention = resultRetention
        self.codec = codec
        self.interceptors = interceptors
        self.events = events
        self.eventListener = eventListener
        self.eventListenerSettings = eventListenerSettings
    }

    /// The default `resultRetention`: 5 minutes.
    public static let defaultResultRetention = Duration.seconds(300)

    /// The roles this configuration runs, without duplicates, in a stable order.
    public var resolvedRoles: [WorkerRole] {
        let roles =
            self.roles
            ?? services.flatMap { WorkerRole.allRoles(ofService: $0.name) }
            + workflows.flatMap { WorkerRole.allRoles(ofWorkflow: $0.name) }
            + (eventListener == nil ? [] : [.eventListener(eventListenerSettings.name)])
        var seen: Set<WorkerRole> = []
        return roles.filter { seen.insert($0).inserted }
    }

    /// The settings of one role. An event listener reads one batch at a time (in order) unless given its own.
    public func settings(for role: WorkerRole) -> ConsumerSettings {
        if let settings = roleSettings[role] { return settings }
        guard case .eventListener = role else { return consumerSettings }
        var settings = consumerSettings
        settings.concurrency = 1
        return settings
    }

    /// Checks that the roles can run: something to run, definitions registered once for executors (a workflow
    /// once per version), names that fit topic names.
    public func validate() throws {
        var problems: [String] = []
        let roles = resolvedRoles
        if roles.isEmpty {
            problems.append("no role to run: register services or workflows, or choose roles")
        }
        var seenServices: Set<String> = []
        for name in services.map(\.name) where !seenServices.insert(name).inserted {
            problems.append("the service \(name) is registered twice")
        }
        // Several versions of one workflow, each once.
        var seenWorkflows: Set<String> = []
        for workflow in workflows {
            let version = "\(workflow.name) version \(workflow.version)"
            if workflow.version < 0 {
                problems.append("the workflow \(version) must have a version of 0 or more")
            } else if !seenWorkflows.insert(version).inserted {
                problems.append("the workflow \(version) is registered twice")
            }
        }
        let serviceNames = Set(services.map(\.name))
        let workflowNames = Set(workflows.map(\.name))
        for role in roles {
            if role.name.isEmpty || role.name.contains("|") {
                problems.append("\(role): a name must be non-empty without '|'")
            }
            switch role {
            case .serviceExecutor(let name) where !serviceNames.contains(name):
                problems.append("\(role) needs the ServiceDefinition of \(name) in `services`")
            case .workflowExecutor(let name) where !workflowNames.contains(name):
                problems.append("\(role) needs the WorkflowDefinition of \(name) in `workflows`")
            case .eventListener where eventListener == nil:
                problems.append("\(role) needs an `eventListener`")
            default:
                break
            }
        }
        if resultRetention < .zero {
            problems.append("the result retention \(resultRetention) must not be negative")
        }
        if name.isEmpty || name.contains("|") {
            problems.append("the worker name '\(name)' must be non-empty without '|'")
        }
        guard problems.isEmpty else {
            throw InfiniticError(.invalidConfiguration, problems.joined(separator: "; "))
        }
    }
}
