/// A command of a workflow method: what it asked for, its id and position, and its outcome with the moment
/// the outcome became visible to replay.
@BinaryWritable
@BinaryReadable
public struct CommandRecord: Sendable, Hashable, Codable {
    /// The command id (also the task id, or the method id of a workflow method).
    public var id: String
    /// Its position in the method's code.
    public var position: Int
    public var descriptor: CommandDescriptor
    public var status: CommandStatus
    /// The workflow task that created it.
    public var createdAtTaskIndex: Int
    /// Workflow tasks from this index on see `status`; earlier ones see the command as ongoing.
    public var resolvedAtTaskIndex: Int?
    /// The order in which outcomes arrived in this workflow (for `or`: the first to complete wins).
    public var resolutionSequence: Int?
    /// For a task: how many times a client retried it (`InfiniticClient.retryTasks`); nil before the first.
    public var retrySequence: Int?

    public init(
        id: String, position: Int, descriptor: CommandDescriptor, status: CommandStatus = .ongoing,
        createdAtTaskIndex: Int, resolvedAtTaskIndex: Int? = nil, resolutionSequence: Int? = nil
    ) {
        self.id = id
        self.position = position
        self.descriptor = descriptor
        self.status = status
        self.createdAtTaskIndex = createdAtTaskIndex
        self.resolvedAtTaskIndex = resolvedAtTaskIndex
        self.resolutionSequence = resolutionSequence
    }

    /// The status as a workflow task of index `taskIndex` sees it.
    public func status(asOf taskIndex: Int) -> CommandStatus {
        guard let resolvedAtTaskIndex, taskIndex >= resolvedAtTaskIndex else { return .ongoing }
        return status
    }
}
