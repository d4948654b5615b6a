import Foundation

/// The header of a workflow's state: small, read and written with every message. It names the methods that
/// run; their histories, their commands and the properties are parts of their own (`WorkflowState`).
@BinaryWritable
@BinaryReadable
public struct WorkflowStateHeader: Sendable, Codable {
    /// The schema this code writes. A state with a higher version was written by newer code.
    public static let currentSchemaVersion = 2

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
    /// The methods of the instance that have not left it, in the order they started.
    public var methods: [MethodSummary]
    /// Commands whose result arrived before the workflow task result recording them (`WorkflowState` part).
    public var earlyResultIds: Set<String>
    /// Counts command outcomes in arrival order (for `or`/`and`).
    public var resolutionCount: Int
    /// The latest end of retention of the outcomes kept (`WorkflowState.retainedOutcome`), nil when none is kept.
    public var retainedUntil: Date?
    /// Whether the instance ended (every method left it, or it was canceled) and the state only keeps
    /// outcomes until their retention is over: it then answers nothing but `WaitMethod`, and is deleted with
    /// its last retained outcome.
    public var closed: Bool?
    /// The version of the workflow the instance runs, recorded from its first workflow task's output; every later
    /// workflow task carries it. Nil until then, and in states written before versions (their instances ran
    /// version 0: see `WorkflowTask.workflowVersion`).
    public var workflowVersion: Int?
    /// The pending `WatchStickyTask` of the instance (its due time in milliseconds since 1970), nil when none: one
    /// at a time, set when a workflow task goes to an executor's own topic (sticky routing) and none is pending.
    public var stickyWatch: Int?

    /// Whether the instance ended and only retained outcomes are left.
    public var isClosed: Bool { closed ?? false }

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
        self.methods = []
        self.earlyResultIds = []
        self.resolutionCount = 0
    }

    /// The position of a method in `methods`.
    func methodIndex(_ methodId: String) -> Int? {
        methods.firstIndex { $0.methodId == methodId }
    }
}

/// What the header keeps of a method: enough to know whether it can progress or leave, without its history.
@BinaryWritable
@BinaryReadable
public struct MethodSummary: Sendable, Hashable, Codable {
    public enum Ending: String, Sendable, Hashable, Codable {
        case completed, failed, canceled
    }

    public var methodId: String
    /// Whether its first workflow task was dispatched.
    public var started: Bool
    public var ending: Ending?
    /// How many of its commands have no outcome yet.
    public var ongoingCommands: Int
    /// The counters of the step it waits on.
    public var step: StepTracker?
    /// The index of its last workflow task (nil before its first, and in states written before it was kept).
    public var lastTaskIndex: Int?

    public init(methodId: String) {
        self.methodId = methodId
        self.started = false
        self.ending = nil
        self.ongoingCommands = 0
        self.step = nil
    }

    /// Whether a workflow task can run it now: not started yet, or its step is done.
    var isReady: Bool {
        guard ending == nil else { return false }
        return !started || (step?.isDone ?? false)
    }

    /// Returned, and everything it dispatched has ended: it can leave the state.
    var isDone: Bool { ending == .completed && ongoingCommands == 0 }
}

/// The workflow task in flight.
@BinaryWritable
@BinaryReadable
public struct RunningWorkflowTask: Sendable, Hashable, Codable {
    public var id: String
    public var methodId: String
    public var index: Int
    /// The executor whose own topic it went to with only what changed (sticky routing); nil when it went whole to
    /// the shared topic (or runs inline).
    public var executor: String?
    /// When it went to `executor`'s topic (the engine's clock).
    public var routedAt: Date?

    public init(id: String, methodId: String, index: Int, executor: String? = nil, routedAt: Date? = nil) {
        self.id = id
        self.methodId = methodId
        self.index = index
        self.executor = executor
        self.routedAt = routedAt
    }
}

/// A method's part of the state: its history without the commands (each is a part of its own), who asked for
/// it, who waits for it and how it ended.
@BinaryWritable
@BinaryReadable
public struct MethodRecord: Sendable, Codable {
    /// `commands` is always empty here; `pastSteps` holds those after the sealed chunks.
    public var history: MethodHistory
    /// Its commands, in the order they were created (those after the sealed chunks).
    public var commandIds: [String]
    public var requester: Requester?
    /// Clients to tell when the method ends.
    public var waitingClients: Set<String>
    public var outcome: MethodOutcome?
    /// The headers of the message that started it: its workflow tasks, and the outcome, carry them.
    public var headers: [String: String]?
    /// Its timers (for `completeTimers`); those that ended go once there are more than `timerIdsKept`.
    public var timerIds: [String]?
    /// The child workflows it started (canceled with the instance).
    public var children: [ChildWorkflow]?
    /// How many chunks of its oldest past steps and command ids were sealed into parts of their own
    /// (`MethodChunk`), so that the record a step rewrites stays small however long the method runs (nil: none).
    public var sealedChunks: Int?
    /// Where an executor keeps the method's replay parked since its last workflow task (sticky routing): its next
    /// workflow task goes to that executor with only what changed (`WorkflowStateMachine.advance`).
    public var parkedAt: ParkedAt?

    public init(
        history: MethodHistory, requester: Requester?, waitingClients: Set<String> = [],
        headers: [String: String] = [:]
    ) {
        var history = history
        history.commands = []
        self.history = history
        self.commandIds = []
        self.requester = requester
        self.waitingClients = waitingClients
        self.outcome = nil
        self.headers = headers.isEmpty ? nil : headers
    }
}

/// The oldest past steps and command ids of a method, moved out of its record once (`MethodRecord.sealedChunks`):
/// written once, read only to send the whole history or to remove the method.
@BinaryWritable
@BinaryReadable
public struct MethodChunk: Sendable, Codable {
    public var pastSteps: [PastStep]
    public var commandIds: [String]

    public init(pastSteps: [PastStep], commandIds: [String]) {
        self.pastSteps = pastSteps
        self.commandIds = commandIds
    }
}

/// A child workflow a method started.
@BinaryWritable
@BinaryReadable
public struct ChildWorkflow: Sendable, Hashable, Codable {
    public var workflowName: String
    public var workflowId: String

    public init(workflowName: String, workflowId: String) {
        self.workflowName = workflowName
        self.workflowId = workflowId
    }
}

/// The receives of the instance's methods waiting for signals, and the ids of the signals applied lately: the
/// part a signal reads (`StateField.receives`).
@BinaryWritable
@BinaryReadable
public struct ReceivesPart: Sendable, Codable {
    public var open: [OpenReceive] = []
    /// Oldest first, at most `ReceivesPart.signalIdsKept`: a signal id among them is ignored.
    public var recentSignalIds: [String] = []

    static let signalIdsKept = 256

    public init() {}
}

/// A receive with room for more signals.
@BinaryWritable
@BinaryReadable
public struct OpenReceive: Sendable, Hashable, Codable {
    public var methodId: String
    /// The receive's command id (its first slot, see `ReceiveSlots`).
    public var commandId: String
    public var channel: String
    public var filter: SignalFilter?
    public var limit: Int
    /// How many signals it received.
    public var received: Int

    public init(methodId: String, commandId: String, channel: String, filter: SignalFilter?, limit: Int) {
        self.methodId = methodId
        self.commandId = commandId
        self.channel = channel
        self.filter = filter
        self.limit = limit
        self.received = 0
    }
}

/// A command's part of the state.
@BinaryWritable
@BinaryReadable
public struct CommandEntry: Sendable, Codable {
    /// The method that created it.
    public var methodId: String
    public var record: CommandRecord
    /// The step tracker nodes it is a leaf of, for the step of that generation.
    public var awaitedBy: AwaitMark?

    public init(methodId: String, record: CommandRecord, awaitedBy: AwaitMark? = nil) {
        self.methodId = methodId
        self.record = record
        self.awaitedBy = awaitedBy
    }
}

/// Where a command sits in the step its method waits on.
@BinaryWritable
@BinaryReadable
public struct AwaitMark: Sendable, Hashable, Codable {
    public var generation: Int
    public var nodes: [Int]

    public init(generation: Int, nodes: [Int]) {
        self.generation = generation
        self.nodes = nodes
    }
}

/// A command result that arrived before its command was recorded, with its place in the arrival order.
@BinaryWritable
@BinaryReadable
public struct EarlyResult: Sendable, Codable {
    public var result: CommandResult
    public var sequence: Int

    public init(result: CommandResult, sequence: Int) {
        self.result = result
        self.sequence = sequence
    }
}

/// How a method ended.
@BinaryWritable
@BinaryReadable
public enum MethodOutcome: Sendable, Hashable, Codable {
    case completed(Payload)
    /// Failed: the state is kept so the method can be resumed by a retry.
    case failed(WorkflowFailedError)
    case canceled
}

/// The outcome of a method that left the state, kept until its retention is over (`StateField.retained`): a
/// `WaitMethod` for it is answered with it.
@BinaryWritable
@BinaryReadable
public struct RetainedOutcome: Sendable, Codable {
    public var outcome: MethodOutcome
    public var expiresAt: Date

    public init(outcome: MethodOutcome, expiresAt: Date) {
        self.outcome = outcome
        self.expiresAt = expiresAt
    }
}

/// A method of an instance as a whole (its history with its commands), for inspection and tests.
public struct MethodState: Sendable {
    public var history: MethodHistory
    public var requester: Requester?
    public var waitingClients: Set<String>
    public var outcome: MethodOutcome?
}

/// The field names of a state's parts.
enum StateField {
    static let header = "h"
    static let properties = "p"
    /// The ids of the methods that left the state lately (a late dispatch of one is ignored).
    static let endedMethods = "x"
    /// The open receives and the recent signal ids (`ReceivesPart`).
    static let receives = "r"
    static let methodPrefix = "m:"
    static let commandPrefix = "c:"
    static let earlyResultPrefix = "e:"
    /// The outcome of a method that left the state, during its retention (`RetainedOutcome`).
    static let retainedPrefix = "o:"
    /// A sealed chunk of a method's history (`MethodChunk`): `k:<index>:<method id>`.
    static let chunkPrefix = "k:"

    static func method(_ id: String) -> String { methodPrefix + id }
    static func command(_ id: String) -> String { commandPrefix + id }
    static func earlyResult(_ id: String) -> String { earlyResultPrefix + id }
    static func retained(_ id: String) -> String { retainedPrefix + id }
    static func chunk(_ index: Int, of methodId: String) -> String { chunkPrefix + String(index) + ":" + methodId }
}

/// Thrown by a step that needs parts of the state that were not read: read them and run the step again.
public struct StatePartsNeeded: Error, Sendable, CustomStringConvertible {
    public var fields: Set<String>

    public init(_ fields: Set<String>) {
        self.fields = fields
    }

    public var description: String { "the state parts \(fields.sorted()) are needed" }
}

extension MethodSummary.Ending: BinaryWritable, BinaryReadable {}
