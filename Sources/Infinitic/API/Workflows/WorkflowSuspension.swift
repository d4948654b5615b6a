/// Thrown inside workflow code when the replay stops: the method reached a step whose outcome is not known
/// yet, or the workflow task failed. Replay ignores everything the code does afterwards, so catching it
/// changes nothing; code that catches every error must not loop on it.
public struct WorkflowSuspension: Error, Sendable, CustomStringConvertible {
    public var description: String { "the workflow task stopped here (waiting, or failed)" }
}

/// Thrown by a stub call inside `dispatch { }` once the command is recorded; `dispatch` catches it.
struct DispatchSignal: Error {}
