extension Settlement {
    /// Waits for the value at most `timeout` (nil: as long as it takes). Throws `InfiniticError.timedOut`
    /// with `what` in its message when the time is up, `CancellationError` if the task is cancelled.
    func value(timeout: Duration?, waitingFor what: @autoclosure () -> String) async throws -> Value {
        guard let timeout else {
            guard let value = await wait() else { throw CancellationError() }
            return value
        }
        let (value, timedOut) = await wait(timeout: timeout)
        if let value { return value }
        guard timedOut else { throw CancellationError() }
        throw InfiniticError(.timedOut, "no answer after \(timeout) while waiting for \(what())")
    }
}
