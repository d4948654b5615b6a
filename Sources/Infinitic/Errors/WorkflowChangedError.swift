/// The replayed code no longer matches the recorded history: at `position` of the method, history recorded
/// one command or step and the code now produces another (or nothing).
public struct WorkflowChangedError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var workflowName: String
    public var methodName: String
    public var position: Int
    /// The command or step recorded in history at this position.
    public var recorded: String
    /// What the current code does at this position.
    public var current: String

    public init(workflowName: String, methodName: String, position: Int, recorded: String, current: String) {
        self.workflowName = workflowName
        self.methodName = methodName
        self.position = position
        self.recorded = recorded
        self.current = current
    }

    public var description: String {
        "workflow \(workflowName).\(methodName) changed at position \(position): history has \(recorded), "
            + "the code now does \(current)"
    }
}
