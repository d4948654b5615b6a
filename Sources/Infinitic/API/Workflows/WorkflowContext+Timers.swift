import Foundation

extension WorkflowContext {
    /// A timer completing `duration` after `now` (the instant of the workflow task running this code), with its
    /// due date. No worker holds anything while it runs: it is a message the transport delivers when due. It
    /// combines with anything: `context.first(of: approval, try context.timer(for: .seconds(3600)))`.
    public func timer(for duration: Duration) throws -> Deferred<Date> {
        try timer(until: now.addingTimeInterval(duration.inSeconds))
    }

    /// A timer completing at `date` (at once if it is past), with `date`. A client can complete it earlier
    /// (`InfiniticClient.completeTimers`).
    public func timer(until date: Date) throws -> Deferred<Date> {
        let codec = execution.codec
        var descriptor = CommandDescriptor(
            kind: .timer, targetName: "", methodName: "", arguments: [try codec.payload(date)])
        descriptor.dueAt = date
        let id = try execution.command(descriptor)
        return Deferred(step: .command(id), execution: execution) { result in
            guard case .value(let payload) = result else {
                throw WorkflowUsageError("a timer step resolved to \(result)")
            }
            return try codec.value(Date.self, from: payload)
        }
    }

    /// Waits `duration` (a timer, awaited at once).
    public func sleep(for duration: Duration) async throws {
        _ = try await timer(for: duration).value
    }

    /// Waits until `date` (a timer, awaited at once).
    public func sleep(until date: Date) async throws {
        _ = try await timer(until: date).value
    }
}
