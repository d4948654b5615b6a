/// A client starting a method on a running instance, or on every instance carrying a tag.
public struct ClientDispatchMethodInput: Sendable {
    /// Where the method starts.
    public enum Target: Sendable, Hashable {
        /// The instance `workflowId`, as the method `methodId` (drawn by the client).
        case instance(workflowId: String, methodId: String)
        /// Every instance carrying the tag.
        case tag(String)
    }

    public let workflowName: String
    public let target: Target
    public let methodName: String
    public let arguments: [Payload]
    /// Published with the request and carried by everything the method causes.
    public var headers: [String: String]

    public init(
        workflowName: String, target: Target, methodName: String, arguments: [Payload],
        headers: [String: String] = [:]
    ) {
        self.workflowName = workflowName
        self.target = target
        self.methodName = methodName
        self.arguments = arguments
        self.headers = headers
    }
}
