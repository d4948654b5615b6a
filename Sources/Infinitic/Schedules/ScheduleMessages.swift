import Foundation

/// A message about the schedules of a workflow, to its workflow tag engine under `Schedules.engineKey`.
public struct ScheduleMessage: Sendable, Codable {
    public var workflowName: String
    public var operation: ScheduleOperation

    public init(workflowName: String, operation: ScheduleOperation) {
        self.workflowName = workflowName
        self.operation = operation
    }
}

/// What a schedule message asks.
public enum ScheduleOperation: Sendable, Codable {
    /// A client's request, answered with `ClientMessage.scheduleAnswer`.
    case request(ScheduleRequest)
    /// The tick of a schedule due at `dueMilliseconds`, sent by the engine to itself with scheduled delivery.
    case tick(ScheduleTick)
}

/// A client's request about schedules.
public struct ScheduleRequest: Sendable, Codable {
    /// Matches the answer to the request.
    public var requestId: String
    public var action: ScheduleAction

    public init(requestId: String, action: ScheduleAction) {
        self.requestId = requestId
        self.action = action
    }
}

/// The actions of a client on the schedules of a workflow.
public enum ScheduleAction: Sendable, Codable {
    /// Create the schedule, or replace the one with the same name (it runs, from its next due instant).
    case upsert(ScheduleDefinition)
    case pause(name: String)
    case resume(name: String)
    case delete(name: String)
    case list
}

/// A tick of a schedule.
public struct ScheduleTick: Sendable, Codable {
    public var name: String
    public var dueMilliseconds: Int64

    public init(name: String, dueMilliseconds: Int64) {
        self.name = name
        self.dueMilliseconds = dueMilliseconds
    }
}

/// A schedule as a client defines it: what to start, when.
public struct ScheduleDefinition: Sendable, Codable {
    public var name: String
    public var timing: ScheduleTiming
    public var overlap: ScheduleOverlap
    public var workflowName: String
    public var methodName: String
    public var arguments: [Payload]
    public var tags: Set<String>
    public var meta: [String: String]

    public init(
        name: String, timing: ScheduleTiming, overlap: ScheduleOverlap, workflowName: String, methodName: String,
        arguments: [Payload], tags: Set<String> = [], meta: [String: String] = [:]
    ) {
        self.name = name
        self.timing = timing
        self.overlap = overlap
        self.workflowName = workflowName
        self.methodName = methodName
        self.arguments = arguments
        self.tags = tags
        self.meta = meta
    }
}

/// A schedule as the engine keeps it.
struct ScheduleState: Sendable, Codable {
    var definition: ScheduleDefinition
    var paused: Bool
    /// The instant of the tick the engine waits for (nil while paused).
    var nextDue: Int64?
    /// The instant of the last tick that started (or, with `skip`, tried to start) an instance.
    var lastTick: Int64?
    var lastWorkflowId: String?
    var ticks: Int

    var info: ScheduleInfo {
        ScheduleInfo(
            name: definition.name, workflowName: definition.workflowName, methodName: definition.methodName,
            timing: definition.timing, overlap: definition.overlap, tags: definition.tags, isPaused: paused,
            nextDue: nextDue.map(Schedules.date), lastTick: lastTick.map(Schedules.date),
            lastWorkflowId: lastWorkflowId, ticks: ticks)
    }
}

/// Every schedule of a workflow: the value of its engine key.
struct ScheduleBook: Sendable, Codable {
    var schedules: [ScheduleState] = []

    subscript(name: String) -> ScheduleState? {
        get { schedules.first { $0.definition.name == name } }
        set {
            let index = schedules.firstIndex { $0.definition.name == name }
            switch (index, newValue) {
            case (let index?, let value?): schedules[index] = value
            case (let index?, nil): schedules.remove(at: index)
            case (nil, let value?): schedules.append(value)
            case (nil, nil): break
            }
        }
    }
}

/// A schedule as a client sees it (`InfiniticClient.schedules(_:)`).
public struct ScheduleInfo: Sendable, Codable, Hashable {
    public var name: String
    public var workflowName: String
    public var methodName: String
    public var timing: ScheduleTiming
    public var overlap: ScheduleOverlap
    public var tags: Set<String>
    public var isPaused: Bool
    /// The next tick (nil while paused).
    public var nextDue: Date?
    /// The last tick handled.
    public var lastTick: Date?
    /// The instance the last tick started (with `skip`, it may not have started if the previous one still ran).
    public var lastWorkflowId: String?
    /// How many ticks were handled since the schedule was created.
    public var ticks: Int
}

/// The engine's answer to a `ScheduleRequest`.
public struct ScheduleAnswer: Sendable, Codable {
    public var workflowName: String
    public var requestId: String
    /// The schedule acted on (none if it does not exist), or every schedule for `list`.
    public var schedules: [ScheduleInfo]
    /// An error message when the request was refused.
    public var refusal: String?

    public init(workflowName: String, requestId: String, schedules: [ScheduleInfo], refusal: String? = nil) {
        self.workflowName = workflowName
        self.requestId = requestId
        self.schedules = schedules
        self.refusal = refusal
    }
}

extension InfiniticError.Code {
    /// A schedule that does not exist (pausing or resuming it).
    public static let unknownSchedule = InfiniticError.Code("unknownSchedule")
    /// A schedule the engine refused (its timing or tags).
    public static let invalidSchedule = InfiniticError.Code("invalidSchedule")
}
