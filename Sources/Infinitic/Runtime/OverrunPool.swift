/// Runs work that may outlive the handler that started it, inside the role's own task group: service code
/// that keeps running after its execution timeout (it is cancelled, but cancellation is cooperative) must not
/// hold the message, and must not escape structured concurrency either. `run()` returns once `finish()` was
/// called and every job ended, or when its task is cancelled (jobs are then cancelled too).
final class OverrunPool: Sendable {
    typealias Job = @Sendable () async -> Void

    private let jobs: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation

    init() {
        (jobs, continuation) = AsyncStream.makeStream(of: Job.self)
    }

    func run() async {
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask { await job() }
            }
        }
    }

    /// Starts `job` in the pool. Returns false once the pool is finished.
    func submit(_ job: @escaping Job) -> Bool {
        if case .enqueued = continuation.yield(job) { return true }
        return false
    }

    /// Accepts no more jobs; `run()` returns when the running ones end.
    func finish() {
        continuation.finish()
    }

    /// Runs `body` with a pool running beside it; once `body` returns (or throws), the pool takes no more jobs
    /// and this returns when its jobs ended.
    static func withPool(_ body: @escaping @Sendable (OverrunPool) async throws -> Void) async throws {
        let pool = OverrunPool()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { pool.finish() }
                try await body(pool)
            }
            group.addTask { await pool.run() }
            try await group.waitForAll()
        }
    }
}
