/// A client starting a new workflow instance with one of its methods.
public struct ClientDispatchWorkflowInput: Sendable {
    public let workflowName: String
    /// The new instance's id, drawn by the client (also the id of the method).
    public let workflowId: String
    public let methodName: String
    public let arguments: [Payload]
    public var tags: Set<String>
    public var meta: [String: String]
    /// Published with the request and carried by everything the method causes.
    public var headers: [String: String]

    public init(
        workflowName: String, workflowId: String, methodName: String, arguments: [Payload], tags: Set<String>,
        meta: [String: String], headers: [String: String] = [:]
    ) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodName = methodName
        self.arguments = arguments
        self.tags = tags
        self.meta = meta
        self.headers = headers
    }
}
