/// A client canceling a workflow instance, or every instance carrying a tag.
public struct ClientCancelInput: Sendable {
    /// What is canceled.
    public enum Target: Sendable, Hashable {
        case id(String)
        case tag(String)
    }

    public let workflowName: String
    public let target: Target
    /// Published with the request.
    public var headers: [String: String]

    public init(workflowName: String, target: Target, headers: [String: String] = [:]) {
        self.workflowName = workflowName
        self.target = target
        self.headers = headers
    }
}
