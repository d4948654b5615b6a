import Infinitic

extension WorkerRole {
    /// The kinds of `kind:name` role arguments.
    public static let argumentKinds = [
        "service-executor", "service-tag-engine", "workflow-executor", "workflow-state-engine", "workflow-tag-engine",
        "event-listener",
    ]

    /// Parses `kind:name`, e.g. `workflow-state-engine:BookTrip` or `event-listener:audit`.
    public init?(argument: String) {
        guard let colon = argument.firstIndex(of: ":") else { return nil }
        let name = String(argument[argument.index(after: colon)...])
        guard !name.isEmpty else { return nil }
        switch argument[..<colon] {
        case "service-executor": self = .serviceExecutor(name)
        case "service-tag-engine": self = .serviceTagEngine(name)
        case "workflow-executor": self = .workflowExecutor(name)
        case "workflow-state-engine": self = .workflowStateEngine(name)
        case "workflow-tag-engine": self = .workflowTagEngine(name)
        case "event-listener": self = .eventListener(name)
        default: return nil
        }
    }
}
