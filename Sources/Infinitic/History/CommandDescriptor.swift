/// What a command of a workflow asks for. Replay compares the recorded descriptor with the one the code
/// produces at the same position (see `CheckMode`).
public struct CommandDescriptor: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A task of a service.
        case task
        /// A method of a workflow instance (this one or another, by id).
        case workflowMethod
        /// An `inline` block whose result is recorded.
        case inline
    }

    public var kind: Kind
    /// The service name, the workflow name, or empty for `inline`.
    public var targetName: String
    public var methodName: String
    public var arguments: [Payload]
    /// For `workflowMethod`: the instance the method runs on.
    public var targetWorkflowId: String?
    public var tags: Set<String>
    public var meta: [String: String]

    public init(
        kind: Kind, targetName: String, methodName: String, arguments: [Payload] = [], targetWorkflowId: String? = nil,
        tags: Set<String> = [], meta: [String: String] = [:]
    ) {
        self.kind = kind
        self.targetName = targetName
        self.methodName = methodName
        self.arguments = arguments
        self.targetWorkflowId = targetWorkflowId
        self.tags = tags
        self.meta = meta
    }

    /// An `inline` block.
    public static let inline = CommandDescriptor(kind: .inline, targetName: "", methodName: "")

    /// Whether `other` is the same command under `mode`.
    public func matches(_ other: CommandDescriptor, mode: CheckMode) -> Bool {
        switch mode {
        case .none:
            return true
        case .simple:
            return kind == other.kind && targetName == other.targetName && methodName == other.methodName
        case .strict:
            return self == other
        }
    }

    public var description: String {
        switch kind {
        case .task: "task \(targetName).\(methodName)"
        case .workflowMethod: "workflow method \(targetName).\(methodName)"
        case .inline: "inline"
        }
    }
}
