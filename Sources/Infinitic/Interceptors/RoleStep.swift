/// A role's step: which role, and the messages of the batch.
public struct RoleStep: Sendable {
    /// The role's consumer group (`service-executor`, `workflow-state-engine`...).
    public var group: String
    /// The service or workflow it serves.
    public var name: String
    public var messages: [ReceivedMessage]

    public init(group: String, name: String, messages: [ReceivedMessage]) {
        self.group = group
        self.name = name
        self.messages = messages
    }
}
