import Foundation

/// What a command of a workflow asks for. Replay compares the recorded descriptor with the one the code
/// produces at the same position (see `CheckMode`).
@BinaryWritable
@BinaryReadable
public struct CommandDescriptor: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A task of a service.
        case task
        /// A method of a workflow instance (this one or another, by id).
        case workflowMethod
        /// A new instance of a workflow (a child), whose id is the command id.
        case childWorkflow
        /// An `inline` block whose result is recorded.
        case inline
        /// A timer: completes at `dueAt` (its value, in `arguments[0]`), or when a client completes it.
        case timer
        /// A receive on the channel `targetName` of this instance: its `limit` next signals.
        case receive
        /// A signal sent on the channel `targetName` of another instance (completed at once).
        case signal

        /// Whether a method that returned waits for the command's outcome before it leaves the state. Timers
        /// and receives do not: once the method returned nothing can await them.
        var holdsMethod: Bool {
            switch self {
            case .task, .workflowMethod, .childWorkflow: true
            case .inline, .timer, .receive, .signal: false
            }
        }
    }

    public var kind: Kind
    /// The service name, the workflow name, the channel name (receive, signal), or empty (inline, timer).
    public var targetName: String
    public var methodName: String
    /// The call's arguments; a timer's due date; a signal's value.
    public var arguments: [Payload]
    /// For `workflowMethod` and `signal`: the instance addressed (nil with `targetTag`).
    public var targetWorkflowId: String?
    /// For `signal`: the instances carrying this tag.
    public var targetTag: String?
    public var tags: Set<String>
    public var meta: [String: String]
    /// For `timer`: when it completes.
    public var dueAt: Date?
    /// For `receive`: how many signals it buffers, and which it accepts.
    public var limit: Int?
    public var filter: SignalFilter?
    /// A caller-side timeout (task, workflow method, child workflow): the awaiting code gets a timed-out error
    /// after it, whatever the callee does.
    public var timeout: Duration?

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
        case .childWorkflow: "child workflow \(targetName).\(methodName)"
        case .inline: "inline"
        case .timer: "timer"
        case .receive: "receive on \(targetName)"
        case .signal: "signal on \(targetName)"
        }
    }
}

extension CommandDescriptor.Kind: BinaryWritable, BinaryReadable {}
