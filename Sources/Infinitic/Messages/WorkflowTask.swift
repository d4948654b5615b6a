import Foundation

/// A workflow task: replay one method of one workflow instance against its history.
@BinaryWritable
@BinaryReadable
public struct WorkflowTask: Sendable, Codable {
    public var workflowTaskId: String
    public var workflowName: String
    public var workflowId: String
    public var tags: Set<String>
    public var meta: [String: String]
    /// The number of this workflow task in the instance (1 for the first).
    public var taskIndex: Int
    /// This workflow task's instant: `now` for code that runs for the first time, and the base of new command ids.
    public var instant: Date
    public var method: MethodHistory
    /// The version of the workflow the instance runs (`WorkflowDefinition.version`), recorded in its state by its
    /// first workflow task. Nil when none is recorded yet: the executor then takes the highest version it has
    /// for the instance's first workflow task, and version 0 for a later one (a task written before versions).
    public var workflowVersion: Int?
    /// Set when `method` holds only what changed since the method's workflow task of this index (sticky replay,
    /// see `StickyReplays`): the commands resolved since, and the past step it resumes at. Only the replay of the
    /// method parked by that workflow task can run it; nil: `method` is the whole history.
    public var historyFrom: Int?

    public init(
        workflowTaskId: String, workflowName: String, workflowId: String, tags: Set<String>, meta: [String: String],
        taskIndex: Int, instant: Date, method: MethodHistory, workflowVersion: Int? = nil
    ) {
        self.workflowTaskId = workflowTaskId
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.tags = tags
        self.meta = meta
        self.taskIndex = taskIndex
        self.instant = instant
        self.method = method
        self.workflowVersion = workflowVersion
    }
}
