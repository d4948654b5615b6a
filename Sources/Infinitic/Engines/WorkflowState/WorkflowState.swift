import Foundation

/// Everything the state engine keeps about one workflow instance. Codable with a schema version so stored
/// states can be read by later code.
public struct WorkflowState: Sendable, Codable {
    /// The schema this code writes. A state with a higher version was written by newer code.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var workflowName: String
    public var workflowId: String
    public var tags: Set<String>
    public var meta: [String: String]
    /// The id of the last message applied (a redelivery of it is ignored).
    public var lastMessageId: String?
    /// The index of the last workflow task dispatched (0 before the first).
    public var workflowTaskIndex: Int
    /// The workflow task in flight, if any: at most one per instance.
    public var runningWorkflowTask: RunningWorkflowTask?
    /// The instant of the last workflow task (instants never go back).
    public var lastInstant: Date
    /// The current values of the properties.
    public var properties: [String: Payload]
    /// The methods started on this instance, in order, until the state is deleted.
    public var methods: [MethodState]
    /// Messages that arrived while a workflow task ran, applied in order afterwards.
    public var buffer: [WorkflowEngineEnvelope]
    /// Command results that arrived before the workflow task result that records their command, by command id.
    public var earlyResults: [String: WorkflowEngineEnvelope]
    /// Counts command outcomes in arrival order (for `or`/`and`).
    public var resolutionCount: Int

    public init(workflowName: String, workflowId: String, tags: Set<String>, meta: [String: String], createdAt: Date) {
        self.schemaVersion = Self.currentSchemaVersion
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.tags = tags
        self.meta = meta
        self.lastMessageId = nil
        self.workflowTaskIndex = 0
        self.runningWorkflowTask = nil
        self.lastInstant = createdAt
        self.properties = [:]
        self.methods = []
        self.buffer = []
        self.earlyResults = [:]
        self.resolutionCount = 0
    }

    /// The method with this id.
    public func method(_ methodId: String) -> MethodState? {
        methods.first { $0.history.methodId == methodId }
    }
}

/// The workflow task in flight.
public struct RunningWorkflowTask: Sendable, Hashable, Codable {
    public var id: String
    public var methodId: String
    public var index: Int

    public init(id: String, methodId: String, index: Int) {
        self.id = id
        self.methodId = methodId
        self.index = index
    }
}

/// One method of an instance: its history, who asked for it and who waits for it, and how it ended.
public struct MethodState: Sendable, Codable {
    public var history: MethodHistory
    public var requester: Requester?
    /// Clients to tell when the method ends.
    public var waitingClients: Set<String>
    public var outcome: MethodOutcome?

    public init(
        history: MethodHistory, requester: Requester?, waitingClients: Set<String> = [], outcome: MethodOutcome? = nil
    ) {
        self.history = history
        self.requester = requester
        self.waitingClients = waitingClients
        self.outcome = outcome
    }

    /// Returned, and everything it dispatched has ended: nothing of it is left to do.
    public var isDone: Bool {
        guard case .completed = outcome else { return false }
        return history.commands.allSatisfy(\.status.isTerminated)
    }
}

/// How a method ended.
public enum MethodOutcome: Sendable, Hashable, Codable {
    case completed(Payload)
    /// Failed: the state is kept so the method can be resumed by a retry.
    case failed(WorkflowFailedError)
    case canceled
}
