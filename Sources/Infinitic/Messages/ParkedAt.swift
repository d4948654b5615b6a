/// Where the workflow executor that ran a workflow task keeps its method's replay parked (sticky routing): the
/// state engine sends the method's next workflow task, with only what changed, to that executor's own topic
/// (`Topics.stickyWorkflowExecutor`) while the method still waits at that step.
@BinaryWritable
public struct ParkedAt: Sendable, Hashable, Codable {
    /// The executor's id: the name of its own topic.
    public var executor: String
    /// The workflow task whose replay parked.
    public var taskIndex: Int
    /// The position of the step the parked code waits at.
    public var position: Int
    /// The commands the parked code knows without outcome: the only ones whose outcome the next workflow task
    /// must bring.
    public var ongoingCommandIds: [String]

    public init(executor: String, taskIndex: Int, position: Int, ongoingCommandIds: [String]) {
        self.executor = executor
        self.taskIndex = taskIndex
        self.position = position
        self.ongoingCommandIds = ongoingCommandIds
    }
}
