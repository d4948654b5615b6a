/// Everything replay needs about one running method of a workflow: how it was called, when it started, the
/// steps it went past, the step it waits on, and its commands.
@BinaryWritable
@BinaryReadable
public struct MethodHistory: Sendable, Hashable, Codable {
    public var methodId: String
    public var methodName: String
    public var arguments: [Payload]
    /// Set when the method's first workflow task is dispatched.
    public var start: Resumption?
    public var pastSteps: [PastStep]
    public var currentStep: WaitingStep?
    public var commands: [CommandRecord]

    public init(
        methodId: String, methodName: String, arguments: [Payload], start: Resumption? = nil,
        pastSteps: [PastStep] = [], currentStep: WaitingStep? = nil, commands: [CommandRecord] = []
    ) {
        self.methodId = methodId
        self.methodName = methodName
        self.arguments = arguments
        self.start = start
        self.pastSteps = pastSteps
        self.currentStep = currentStep
        self.commands = commands
    }

    /// The command with this id.
    public func command(_ id: String) -> CommandRecord? {
        commands.first { $0.id == id }
    }

    /// The last position the history knows (0 if none): replay before it must match, after it is new code.
    public var lastKnownPosition: Int {
        max(
            commands.map(\.position).max() ?? 0, pastSteps.map(\.position).max() ?? 0,
            currentStep?.position ?? 0)
    }
}
