/// Where the workflow executor that ran a workflow task keeps its method's replay parked (sticky routing): the
/// state engine sends the method's next workflow task, with only what changed, to that executor's own topic
/// (`Topics.stickyWorkflowExecutor`) while the method still waits at that step.
@BinaryWritable
@BinaryReadable
public struct ParkedAt: Sendable, Hashable, Codable {
    /// The executor's id: the name of its own topic.
    public var executor: String
    /// Where the replay waits there.
    public var point: StickyPoint

    public init(executor: String, point: StickyPoint) {
        self.executor = executor
        self.point = point
    }
}

/// Where a parked replay of a method stands, for the state engine building the method's next workflow task: it
/// may send only what changed since `taskIndex` if the method still waits at the step at `position`.
@BinaryWritable
@BinaryReadable
public struct StickyPoint: Sendable, Hashable, Codable {
    /// The workflow task that parked the code.
    public var taskIndex: Int
    /// The position of the step the code waits at.
    public var position: Int
    /// The commands the parked code knows without outcome (the only ones whose outcome can have changed).
    public var ongoingCommandIds: [String]

    public init(taskIndex: Int, position: Int, ongoingCommandIds: [String]) {
        self.taskIndex = taskIndex
        self.position = position
        self.ongoingCommandIds = ongoingCommandIds
    }
}
