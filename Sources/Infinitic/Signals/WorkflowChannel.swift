/// A channel of the running workflow instance on which clients and other workflows send signals of type
/// `Value` (`context.channel(Approval.self, named: "approvals")`).
///
/// Semantics: a signal is delivered to a receive only if the receive was recorded (its workflow task completed)
/// before the signal reached the instance: earlier signals are discarded. `receive(limit: n)` takes the next
/// `n` signals (the others are discarded); each await of its `Deferred` takes the next one, and after the `n`-th
/// the last repeats. A signal goes to the oldest open receive of the channel that accepts it. A signal id
/// seen before is ignored.
public struct WorkflowChannel<Value: Codable & Sendable>: Sendable {
    public let name: String
    let execution: WorkflowExecution

    /// Receives the next `limit` signals that pass `filter` (all when nil), from now on.
    public func receive(limit: Int = 1, where filter: SignalFilter? = nil) throws -> Deferred<Value> {
        guard limit >= 1 else {
            throw WorkflowUsageError("receive on channel \(name) needs a limit of at least 1, not \(limit)")
        }
        var descriptor = CommandDescriptor(kind: .receive, targetName: name, methodName: "")
        descriptor.limit = limit
        descriptor.filter = filter
        let id = try execution.command(descriptor)
        let codec = execution.codec
        return Deferred(
            step: .command(id), execution: execution, cursor: ReceiveCursor(receiveId: id, limit: limit)
        ) { result in
            guard case .value(let payload) = result else {
                throw WorkflowUsageError("a receive step resolved to \(result)")
            }
            return try codec.value(Value.self, from: payload)
        }
    }
}
