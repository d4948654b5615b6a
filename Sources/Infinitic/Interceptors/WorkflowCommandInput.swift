/// A command of workflow code, as a replay reaches it: what it asks for (read-only: that is what the determinism
/// check compares), and the headers and meta its message will be dispatched with (changeable).
public struct WorkflowCommandInput: Sendable {
    public let workflowName: String
    public let workflowId: String
    /// The method issuing the command.
    public let methodName: String
    public let methodId: String
    /// What the command asks for, as recorded.
    public let command: CommandDescriptor
    /// Its id: the task id of a task, the method id of a workflow method.
    public let commandId: String
    /// Its position in the method's code.
    public let position: Int
    /// Whether an earlier workflow task already issued it: it is not dispatched again, and what the interceptors
    /// set now is ignored.
    public let isReplaying: Bool
    /// The headers the command's messages are dispatched with: the workflow task's to start with. Ignored for
    /// `inline`.
    public var headers: [String: String]
    /// The meta of the dispatched task: the stub's to start with. Ignored for a workflow method and `inline`.
    public var meta: [String: String]

    public init(
        workflowName: String, workflowId: String, methodName: String, methodId: String, command: CommandDescriptor,
        commandId: String, position: Int, isReplaying: Bool, headers: [String: String], meta: [String: String]
    ) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodName = methodName
        self.methodId = methodId
        self.command = command
        self.commandId = commandId
        self.position = position
        self.isReplaying = isReplaying
        self.headers = headers
        self.meta = meta
    }
}
