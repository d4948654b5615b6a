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

    /// `body`'s value, or `.timedOut`. Throws `CancellationError` if the calling handler is cancelled first (the
    /// body is then cancelled too) or the pool accepts no more work.
    func run<Value: Sendable>(_ body: @escaping @Sendable () async -> Value) async throws -> Outcome<Value> {
        let ending = Settlement<Ending<Value>>()
        let submitted = pool.submit {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    // A job that waited in the pool past its deadline (or its handler) does not start the code.
                    guard !ending.isSettled else { return }
                    ending.settle(.finished(await body()))
                }
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

    private enum Ending<Value: Sendable>: Sendable {
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
