import Foundation

/// A workflow task: replay one method of one workflow instance against its history.
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

    public init(
        workflowTaskId: String, workflowName: String, workflowId: String, tags: Set<String>, meta: [String: String],
        taskIndex: Int, instant: Date, method: MethodHistory
    ) {
        self.workflowTaskId = workflowTaskId
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.tags = tags
        self.meta = meta
        self.taskIndex = taskIndex
        self.instant = instant
        self.method = method
    }
}
