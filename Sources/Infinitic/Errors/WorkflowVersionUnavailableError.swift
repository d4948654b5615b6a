/// The workflow executor that took a workflow task does not have the version of the workflow its instance runs
/// (`WorkflowDefinition.version`, recorded by the instance's first workflow task): a worker registering that
/// version was replaced too early, or an executor of an older deployment took the task of an instance started by
/// a newer one. The method fails with a `WorkflowTaskFailedError` carrying this error and keeps its state:
/// `client.retryWorkflowTask(...)` resumes it once a worker registering `version` runs.
public struct WorkflowVersionUnavailableError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var workflowName: String
    public var workflowId: String
    /// The version the instance runs.
    public var version: Int
    /// The versions of `workflowName` the executor has.
    public var availableVersions: [Int]

    public init(workflowName: String, workflowId: String, version: Int, availableVersions: [Int]) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.version = version
        self.availableVersions = availableVersions
    }

    public var description: String {
        "the instance \(workflowId) of \(workflowName) runs version \(version), which this worker does not have "
            + "(it has \(availableVersions.map(String.init).joined(separator: ", "))): start a worker registering "
            + "that version, then retry the workflow task"
    }
}
