/// Retry the failed workflow task of an instance: each method that failed because its workflow task failed
/// is resumed by a new workflow task (after a fix of the workflow code is deployed).
@BinaryWritable
@BinaryReadable
public struct RetryWorkflowTask: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String

    public init(workflowName: String, workflowId: String) {
        self.workflowName = workflowName
        self.workflowId = workflowId
    }
}

/// Retry the tasks of an instance that `selection` picks: each goes back to ongoing with its retry sequence
/// + 1 and runs again, and its failed method resumes where it failed.
@BinaryWritable
@BinaryReadable
public struct RetryTasks: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String
    public var selection: TaskSelection

    public init(workflowName: String, workflowId: String, selection: TaskSelection) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.selection = selection
    }
}

/// `RetryTasks` for every instance carrying `tag`.
@BinaryWritable
@BinaryReadable
public struct RetryTasksByTag: Sendable, Codable {
    public var workflowName: String
    public var tag: String
    public var selection: TaskSelection

    public init(workflowName: String, tag: String, selection: TaskSelection) {
        self.workflowName = workflowName
        self.tag = tag
        self.selection = selection
    }
}

/// Which tasks of a workflow instance a retry applies to: one task id, or the tasks with one of `statuses`
/// (of the service `serviceName` only, when given). Only tasks whose failure failed their method are
/// retried: a failure the workflow caught (it went on, or returned) stays final.
@BinaryWritable
@BinaryReadable
public struct TaskSelection: Sendable, Hashable, Codable {
    /// How a task to retry ended.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// It failed (after its retry policy gave up).
        case failed
        /// Its caller-side timeout elapsed first.
        case timedOut
    }

    public var taskId: String?
    public var statuses: Set<Status>
    public var serviceName: String?

    public init(taskId: String? = nil, statuses: Set<Status> = Set(Status.allCases), serviceName: String? = nil) {
        self.taskId = taskId
        self.statuses = statuses
        self.serviceName = serviceName
    }

    /// The failed and timed-out tasks of any service.
    public static let all = TaskSelection()

    /// The task `taskId` (if it failed or timed out).
    public static func task(_ taskId: String) -> TaskSelection {
        TaskSelection(taskId: taskId)
    }

    /// The tasks that ended with `status`, of the service `serviceName` only when given.
    public static func status(_ status: Status, serviceName: String? = nil) -> TaskSelection {
        TaskSelection(statuses: [status], serviceName: serviceName)
    }

    /// The tasks that ended with `status`, of the service `service` only.
    public static func status<Stub: ServiceStub>(_ status: Status, service: Stub.Type) -> TaskSelection {
        TaskSelection(statuses: [status], serviceName: Stub.serviceName)
    }

    /// Whether a task command, ended with `failure`, is selected.
    func selects(_ record: CommandRecord, failure: DeferredFailure) -> Bool {
        guard record.descriptor.kind == .task else { return false }
        if let taskId, record.id != taskId { return false }
        if let serviceName, record.descriptor.targetName != serviceName { return false }
        switch failure {
        case .taskFailed, .taskUnknown: return statuses.contains(.failed)
        case .taskTimedOut: return statuses.contains(.timedOut)
        default: return false
        }
    }
}
