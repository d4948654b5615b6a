/// A client waiting for the outcome of a method.
public struct ClientAwaitResultInput: Sendable {
    public let workflowName: String
    public let workflowId: String
    /// The method (the workflow id for the method that started the instance).
    public let methodId: String
    /// How long to wait (nil: as long as it takes).
    public var timeout: Duration?
    /// Published with the request for the outcome, when the client has to ask for it (a handle made from an id).
    public var headers: [String: String]

    public init(
        workflowName: String, workflowId: String, methodId: String, timeout: Duration?, headers: [String: String] = [:]
    ) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodId = methodId
        self.timeout = timeout
        self.headers = headers
    }
}
