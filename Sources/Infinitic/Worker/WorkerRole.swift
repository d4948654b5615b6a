/// One role a worker can run, for one service or workflow name. A development worker runs every role of
/// everything it registers; a production fleet can run one role per process.
public enum WorkerRole: Sendable, Hashable, CustomStringConvertible {
    /// Runs the tasks of a service (needs its `ServiceDefinition`).
    case serviceExecutor(String)
    /// Keeps the tag → task ids sets of a service.
    case serviceTagEngine(String)
    /// Replays the workflow tasks of a workflow (needs its `WorkflowDefinition`).
    case workflowExecutor(String)
    /// Owns the states of a workflow's instances.
    case workflowStateEngine(String)
    /// Keeps the tag → workflow ids sets of a workflow and fans by-tag commands out.
    case workflowTagEngine(String)
    /// Hands every event to the configured `InfiniticEventListener`, in the consumer group of this name
    /// (`EventListenerSettings.name`).
    case eventListener(String)

    /// Both roles of a service.
    public static func allRoles(ofService name: String) -> [WorkerRole] {
        [.serviceExecutor(name), .serviceTagEngine(name)]
    }

    /// The three roles of a workflow.
    public static func allRoles(ofWorkflow name: String) -> [WorkerRole] {
        [.workflowStateEngine(name), .workflowExecutor(name), .workflowTagEngine(name)]
    }

    /// The service or workflow name (the listener's name for an event listener).
    public var name: String {
        switch self {
        case .serviceExecutor(let name), .serviceTagEngine(let name), .workflowExecutor(let name),
            .workflowStateEngine(let name), .workflowTagEngine(let name), .eventListener(let name):
            name
        }
    }

    public var description: String {
        switch self {
        case .serviceExecutor(let name): "service executor \(name)"
        case .serviceTagEngine(let name): "service tag engine \(name)"
        case .workflowExecutor(let name): "workflow executor \(name)"
        case .workflowStateEngine(let name): "workflow state engine \(name)"
        case .workflowTagEngine(let name): "workflow tag engine \(name)"
        case .eventListener(let name): "event listener \(name)"
        }
    }
}
