import Foundation

/// Commands and events for one workflow instance, consumed by its state engine.
///
/// Indirect (one reference): its largest case is several hundred bytes, and envelopes of it pass through the
/// async frames of every state engine step.
@BinaryWritable
@BinaryReadable
public indirect enum WorkflowEngineMessage: Sendable, Codable {
    /// Start a workflow instance with its first method.
    case dispatchWorkflow(DispatchWorkflow)
    /// Start another method on an existing instance.
    case dispatchMethod(DispatchMethod)
    /// Tell a client the outcome of a method when it ends.
    case waitMethod(WaitMethod)
    case cancelWorkflow(CancelWorkflow)
    /// The outcome of a command (a task, a workflow method) the workflow dispatched.
    case commandResult(CommandResult)
    /// What a workflow task produced.
    case workflowTaskCompleted(WorkflowTaskCompleted)
    /// A signal on a channel of the instance.
    case sendSignal(SendSignal)
    /// Complete the running timers of a method, or of all methods, now.
    case completeTimers(CompleteTimers)
    /// Resume the methods that failed because their workflow task failed.
    case retryWorkflowTask(RetryWorkflowTask)
    /// Run failed or timed-out tasks again and resume their failed methods.
    case retryTasks(RetryTasks)
    /// The retention of some methods' outcomes is over: forget them (sent by the state engine to itself).
    case expireOutcomes(ExpireOutcomes)
    /// Send a workflow task routed to an executor's own topic again, whole, to the shared one (sent by that
    /// executor when it cannot resume it).
    case redispatchWorkflowTask(RedispatchWorkflowTask)
    /// Check that the workflow task routed to an executor's own topic is not late (sent by the state engine to
    /// itself, delayed).
    case watchStickyTask(WatchStickyTask)

    /// The instance the message is for (the topic key).
    public var workflowId: String {
        switch self {
        case .dispatchWorkflow(let message): message.workflowId
        case .dispatchMethod(let message): message.workflowId
        case .waitMethod(let message): message.workflowId
        case .cancelWorkflow(let message): message.workflowId
        case .commandResult(let message): message.workflowId
        case .workflowTaskCompleted(let message): message.workflowId
        case .sendSignal(let message): message.workflowId
        case .completeTimers(let message): message.workflowId
        case .retryWorkflowTask(let message): message.workflowId
        case .retryTasks(let message): message.workflowId
        case .expireOutcomes(let message): message.workflowId
        case .redispatchWorkflowTask(let message): message.workflowId
        case .watchStickyTask(let message): message.workflowId
        }
    }

    /// The workflow's name (the topic).
    public var workflowName: String {
        switch self {
        case .dispatchWorkflow(let message): message.workflowName
        case .dispatchMethod(let message): message.workflowName
        case .waitMethod(let message): message.workflowName
        case .cancelWorkflow(let message): message.workflowName
        case .commandResult(let message): message.workflowName
        case .workflowTaskCompleted(let message): message.workflowName
        case .sendSignal(let message): message.workflowName
        case .completeTimers(let message): message.workflowName
        case .retryWorkflowTask(let message): message.workflowName
        case .retryTasks(let message): message.workflowName
        case .expireOutcomes(let message): message.workflowName
        case .redispatchWorkflowTask(let message): message.workflowName
        case .watchStickyTask(let message): message.workflowName
        }
    }
}

/// Start a workflow instance. Its first method's id is the workflow id.
@BinaryWritable
@BinaryReadable
public struct DispatchWorkflow: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String
    public var methodName: String
    public var arguments: [Payload]
    public var tags: Set<String>
    public var meta: [String: String]
    /// Whether the requesting client waits for the method's outcome.
    public var clientWaiting: Bool

    public init(
        workflowName: String, workflowId: String, methodName: String, arguments: [Payload], tags: Set<String> = [],
        meta: [String: String] = [:], clientWaiting: Bool = false
    ) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodName = methodName
        self.arguments = arguments
        self.tags = tags
        self.meta = meta
        self.clientWaiting = clientWaiting
    }

    public var methodId: String { workflowId }
}

/// Start another method on an existing instance; it shares the instance's properties.
@BinaryWritable
@BinaryReadable
public struct DispatchMethod: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String
    public var methodName: String
    /// When a workflow dispatches it, the command id (the result comes back as that command's result).
    public var methodId: String
    public var arguments: [Payload]
    public var clientWaiting: Bool

    public init(
        workflowName: String, workflowId: String, methodName: String, methodId: String, arguments: [Payload],
        clientWaiting: Bool = false
    ) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodName = methodName
        self.methodId = methodId
        self.arguments = arguments
        self.clientWaiting = clientWaiting
    }
}

/// A client (the envelope's requester) wants the outcome of a method.
@BinaryWritable
@BinaryReadable
public struct WaitMethod: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String
    public var methodId: String

    public init(workflowName: String, workflowId: String, methodId: String) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodId = methodId
    }
}

/// Cancel every running method of an instance; its state is deleted.
@BinaryWritable
@BinaryReadable
public struct CancelWorkflow: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String

    public init(workflowName: String, workflowId: String) {
        self.workflowName = workflowName
        self.workflowId = workflowId
    }
}

/// The outcome of a command: a service task's result or failure, a workflow method's outcome.
@BinaryWritable
@BinaryReadable
public struct CommandResult: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String
    /// The method that dispatched the command.
    public var methodId: String
    public var commandId: String
    public var outcome: CommandStatus

    public init(workflowName: String, workflowId: String, methodId: String, commandId: String, outcome: CommandStatus) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodId = methodId
        self.commandId = commandId
        self.outcome = outcome
    }
}

/// What a workflow task produced for one method.
@BinaryWritable
@BinaryReadable
public struct WorkflowTaskCompleted: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String
    public var workflowTaskId: String
    public var methodId: String
    public var output: WorkflowTaskOutput
    /// Where the executor keeps the method's replay parked, if it does (sticky routing); nil from state engines
    /// replaying inline and from executors without sticky replay.
    public var parkedAt: ParkedAt?

    public init(
        workflowName: String, workflowId: String, workflowTaskId: String, methodId: String, output: WorkflowTaskOutput,
        parkedAt: ParkedAt? = nil
    ) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.workflowTaskId = workflowTaskId
        self.methodId = methodId
        self.output = output
        self.parkedAt = parkedAt
    }
}

/// A signal on the channel `channel` of an instance (see `WorkflowChannel`).
@BinaryWritable
@BinaryReadable
public struct SendSignal: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String
    public var channel: String
    /// A signal id seen before is ignored.
    public var signalId: String
    public var value: Payload

    public init(workflowName: String, workflowId: String, channel: String, signalId: String, value: Payload) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.channel = channel
        self.signalId = signalId
        self.value = value
    }
}

/// Complete the running timers of the method `methodId` (of every method when nil) of an instance.
@BinaryWritable
@BinaryReadable
public struct CompleteTimers: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String
    public var methodId: String?

    public init(workflowName: String, workflowId: String, methodId: String? = nil) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodId = methodId
    }
}

/// The retention of the outcomes of `methodIds`, methods that left a running instance, ends at `expiresAt`
/// (`WorkerConfiguration.resultRetention`): the state engine forgets them (and deletes the state of an ended
/// instance if this was its last retention; since the state of a closed instance expires by itself, only states
/// closed by earlier versions need that). A duplicate or late one changes nothing.
@BinaryWritable
@BinaryReadable
public struct ExpireOutcomes: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String
    public var methodIds: [String]
    public var expiresAt: Date

    public init(workflowName: String, workflowId: String, methodIds: [String], expiresAt: Date) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.methodIds = methodIds
        self.expiresAt = expiresAt
    }
}
