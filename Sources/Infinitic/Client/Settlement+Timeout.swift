extension Settlement {
    /// Waits for the value at most `timeout` (nil: as long as it takes). Throws `InfiniticError.timedOut`
    /// with `what` in its message when the time is up, `CancellationError` if the task is cancelled.
    func value(timeout: Duration?, waitingFor what: @autoclosure () -> String) async throws -> Value {
        guard let timeout else {
            guard let value = await wait() else { throw CancellationError() }
            return value
        }
        let first = try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { await self.wait() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        if let first { return first }
        try Task.checkCancellation()
        throw InfiniticError(.timedOut, "no answer after \(timeout) while waiting for \(what())")
    }
}
