/// A role's step: which role, and the messages of the batch.
public struct RoleStep: Sendable {
    /// The role's consumer group (`service-executor`, `workflow-state-engine`...).
    public var group: String
    /// The service or workflow it serves.
    public var name: String
    public var messages: [ReceivedMessage]
    /// The headers of each message's envelope (`Envelope.headers`), in the order of `messages`: empty for a
    /// message without headers or without an envelope (events). A tracer extracts its context from them.
    public var headers: [[String: String]]

    public init(group: String, name: String, messages: [ReceivedMessage], headers: [[String: String]] = []) {
        self.group = group
        self.name = name
        self.messages = messages
        self.headers = headers.isEmpty ? Array(repeating: [:], count: messages.count) : headers
    }
}
