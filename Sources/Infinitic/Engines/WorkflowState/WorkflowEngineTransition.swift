/// What the state engine decided for one message: the state to store and the messages to send, to be
/// committed together.
public struct WorkflowEngineTransition: Sendable {
    public enum StateChange: Sendable {
        /// Nothing to write (the message was ignored, or only answered).
        case unchanged
        case updated(WorkflowState)
        /// Every method and everything it started ended: delete the state.
        case deleted
    }

    public var state: StateChange
    public var outputs: [Outbound]

    public init(state: StateChange, outputs: [Outbound]) {
        self.state = state
        self.outputs = outputs
    }

    /// Ignored: no write, no output.
    public static let ignored = WorkflowEngineTransition(state: .unchanged, outputs: [])

    /// The state after the transition (nil if absent or deleted), given the state before.
    public func state(after previous: WorkflowState?) -> WorkflowState? {
        switch state {
        case .unchanged: previous
        case .updated(let state): state
        case .deleted: nil
        }
    }
}
