/// Messages to a workflow tag engine, keyed by tag.
public enum WorkflowTagMessage: Sendable, Codable {
    case addTag(WorkflowTagChange)
    case removeTag(WorkflowTagChange)
    /// Answer the requesting client with the ids carrying the tag.
    case getIds(WorkflowTagQuery)
    /// Start a method on every instance carrying the tag.
    case dispatchMethodByTag(DispatchMethodByTag)
    /// Cancel every instance carrying the tag.
    case cancelByTag(WorkflowTagQuery)

    public var workflowName: String {
        switch self {
        case .addTag(let message), .removeTag(let message): message.workflowName
        case .getIds(let message), .cancelByTag(let message): message.workflowName
        case .dispatchMethodByTag(let message): message.workflowName
        }
    }

    /// The tag (the topic key).
    public var tag: String {
        switch self {
        case .addTag(let message), .removeTag(let message): message.tag
        case .getIds(let message), .cancelByTag(let message): message.tag
        case .dispatchMethodByTag(let message): message.tag
        }
    }
}

/// A workflow id to add to, or remove from, a tag's set.
public struct WorkflowTagChange: Sendable, Codable {
    public var workflowName: String
    public var tag: String
    public var workflowId: String

    public init(workflowName: String, tag: String, workflowId: String) {
        self.workflowName = workflowName
        self.tag = tag
        self.workflowId = workflowId
    }
}

/// A tag of a workflow name.
public struct WorkflowTagQuery: Sendable, Codable {
    public var workflowName: String
    public var tag: String

    public init(workflowName: String, tag: String) {
        self.workflowName = workflowName
        self.tag = tag
    }
}

/// A method to start on every instance carrying `tag`.
public struct DispatchMethodByTag: Sendable, Codable {
    public var workflowName: String
    public var tag: String
    public var methodName: String
    public var arguments: [Payload]
    public var clientWaiting: Bool

    public init(
        workflowName: String, tag: String, methodName: String, arguments: [Payload], clientWaiting: Bool = false
    ) {
        self.workflowName = workflowName
        self.tag = tag
        self.methodName = methodName
        self.arguments = arguments
        self.clientWaiting = clientWaiting
    }
}
