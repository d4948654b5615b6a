/// Workflow code used the `WorkflowContext` in a way replay cannot support (a stub call inside `inline`, a
/// `dispatch` closure that calls no stub, an unregistered method...). It fails the workflow task.
public struct WorkflowUsageError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
