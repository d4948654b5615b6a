/// Runs user code for at most a given duration without letting it hold the handler: the code runs in the
/// role's `OverrunPool`; past the limit (counted from the submission, watched by `DeadlineWatch`) it is
/// cancelled and the handler goes on at once, even if the code ignores cancellation (it then finishes in the
/// pool, its result discarded).
struct TimeLimit {
    let duration: Duration
    let pool: OverrunPool

    enum Outcome<Value: Sendable>: Sendable {
        case finished(Value)
        case timedOut
    }

    /// `body`'s value, or `.timedOut`. Throws `CancellationError` if the calling handler is cancelled first or the
    /// pool accepts no more work. With `cancelling` (the default), the body is cancelled at the limit or when
    /// the handler gives up: it runs in a child task of its pool job for that. Without, it runs in the job itself
    /// (a task less) and is only cancelled with the pool: for code that cancellation cannot stop anyway, such as
    /// a replay (workflow code runs synchronously on its replay executor).
    func run<Value: Sendable>(
        cancelling: Bool = true, _ body: @escaping @Sendable () async -> Value
    ) async throws -> Outcome<Value> {
        let ending = Settlement<Ending<Value>>()
        // A job that waited in the pool past its deadline (or its handler) does not start the code.
        let run: @Sendable () async -> Void = {
            guard !ending.isSettled else { return }
            ending.settle(.finished(await body()))
        }
        let submitted = pool.submit {
            guard cancelling else { return await run() }
            await withTaskGroup(of: Void.self) { group in
                group.addTask(operation: run)
                // Until the body finishes, the deadline passes or the handler gives up (or the pool is cancelled).
                _ = await ending.wait()
                group.cancelAll()
            }
        }
        guard submitted else { throw CancellationError() }
        let deadline = DeadlineWatch.shared.add(after: duration) { ending.settle(.timedOut) }
        defer { DeadlineWatch.shared.remove(deadline) }
        switch await ending.wait() {
        case .finished(let value)?:
            return .finished(value)
        case .timedOut?:
            return .timedOut
        case .abandoned?, nil:
            ending.settle(.abandoned)
            throw CancellationError()
        }
    }

    /// Indirect: a settlement's waiting frames then hold a reference, not the value (a replay's output is large).
    private indirect enum Ending<Value: Sendable>: Sendable {
        case finished(Value)
        case timedOut
        case abandoned
    }
}

extension Duration {
    /// In seconds, as a `Double`.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
