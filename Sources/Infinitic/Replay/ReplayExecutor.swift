import Synchronization

/// The task executor a replay runs on, driven by the thread that starts the replay: it is how a replay knows that
/// workflow code awaited something else than its context.
///
/// Every operation of a `WorkflowContext` completes without suspending, so the replay of correct workflow code runs
/// from its start to its end in one job of this executor. When the first job returns and the replay has not ended,
/// the code suspended on something else (`Task.sleep`, an `async let` or a task group, an actor, I/O): it escaped
/// the replay. Child tasks inherit this executor as their preference, so their jobs queue here too and run on the
/// driving thread, one at a time, in the order they were enqueued.
final class ReplayExecutor: TaskExecutor, @unchecked Sendable {
    private struct Queue {
        var jobs: [UnownedJob] = []
        var next = 0
        /// Once the replay no longer drives this executor: jobs go to the global executor.
        var released = false
    }

    private let queue = Mutex(Queue())

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let queued = queue.withLock { queue in
            guard !queue.released else { return false }
            queue.jobs.append(job)
            return true
        }
        if !queued { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    /// Runs the oldest queued job on the calling thread. Returns false if none was queued.
    @discardableResult
    func runNext() -> Bool {
        let job = queue.withLock { queue -> UnownedJob? in
            guard queue.next < queue.jobs.count else { return nil }
            defer {
                queue.next += 1
                if queue.next == queue.jobs.count {
                    queue.jobs.removeAll(keepingCapacity: true)
                    queue.next = 0
                }
            }
            return queue.jobs[queue.next]
        }
        guard let job else { return false }
        job.runSynchronously(on: asUnownedTaskExecutor())
        return true
    }

    /// Whether jobs wait to run.
    var hasQueuedJobs: Bool { queue.withLock { $0.next < $0.jobs.count } }

    /// Runs queued jobs until `done()` or none is left.
    func drain(until done: () -> Bool) {
        while !done(), runNext() {}
    }

    /// Stops driving: the jobs still queued, and those enqueued later (work of an escaped task that outlives the
    /// replay), run on the global concurrent executor.
    func release() {
        let leftover = queue.withLock { queue -> ArraySlice<UnownedJob> in
            queue.released = true
            defer { queue.jobs = [] }
            return queue.jobs[queue.next...]
        }
        for job in leftover { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }
}
