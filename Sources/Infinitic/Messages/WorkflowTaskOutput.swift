/// What replaying a method produced: new commands, steps it went past, updated properties, and where the
/// method now stands.
public struct WorkflowTaskOutput: Sendable, Hashable, Codable {
    @BinaryWritable
    @BinaryReadable
    public enum Outcome: Sendable, Hashable, Codable {
        /// The method waits on this step.
        case waiting(WaitingStep)
        /// The method returned this value.
        case returned(Payload)
        /// The method threw (an uncaught task failure, or an error of the workflow code).
        case threw(DeferredFailure)
        /// The workflow task itself failed (workflow changed, misuse of the context, unknown method...).
        /// Nothing else of the output applies.
        case workflowTaskFailed(WorkflowTaskFailedError)
    }

    /// Commands created by this workflow task (inline ones already completed).
    public var newCommands: [CommandRecord]
    /// Awaits reached in this workflow task whose outcome was already known.
    public var passedSteps: [PastStep]
    public var properties: [String: Payload]
    public var outcome: Outcome
    /// The version of the workflow that ran (nil when no definition ran): the state records it with the
    /// instance's first workflow task.
    public var workflowVersion: Int?
    /// What the `workflowCommand` interceptors set for the new commands, by command id: how the executor dispatches
    /// them. Not sent to the state engine (not encoded), not part of the recorded commands.
    var dispatches: [String: CommandDispatch] = [:]
    /// Where the replay parked, when it was kept parked in an executor's cache (`WorkflowExecutor.Sticky`): the
    /// executor tells the state engine (`WorkflowTaskCompleted.parkedAt`). Not encoded.
    var parked: StickyPoint?

    private enum CodingKeys: String, CodingKey {
        case newCommands, passedSteps, properties, outcome, workflowVersion
    }

    public init(
        newCommands: [CommandRecord] = [], passedSteps: [PastStep] = [], properties: [String: Payload] = [:],
        outcome: Outcome, workflowVersion: Int? = nil
    ) {
        self.newCommands = newCommands
        self.passedSteps = passedSteps
        self.properties = properties
        self.outcome = outcome
        self.workflowVersion = workflowVersion
    }
}

extension WorkflowTaskOutput: BinaryKeyedWritable, BinaryKeyedReadable {
    func writeFields(_ fields: inout BinaryFields) throws {
        try fields.field("newCommands", newCommands)
        try fields.field("passedSteps", passedSteps)
        try fields.field("properties", properties)
        try fields.field("outcome", outcome)
        try fields.fieldIfPresent("workflowVersion", workflowVersion)
    }

    init(fields: BinaryReadFields) throws {
        self.init(
            newCommands: try fields.field("newCommands"),
            passedSteps: try fields.field("passedSteps"),
            properties: try fields.field("properties"),
            outcome: try fields.field("outcome"),
            workflowVersion: try fields.fieldIfPresent("workflowVersion"))
    }
}
