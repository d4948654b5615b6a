import Synchronization

/// Replays one method of a workflow for one workflow task: a fresh implementation bound to a fresh context
/// re-runs the method from its beginning against the history, and the execution collects the output.
///
/// The method runs in a task of its own on a `ReplayExecutor` driven by the calling thread, which catches workflow
/// code escaping the replay: the context used from another task (an `async let`, a task group, a `Task {}`), or a
/// suspension on something else than the context (`Task.sleep`...). Either fails the workflow task at once with a
/// `WorkflowEscapeError` instead of diverging or waiting for the workflow task timeout.
///
/// With parking (sticky replay), code that reaches a step whose outcome is unknown waits there instead of
/// unwinding: the replay comes back with a `ParkedReplay` that a later workflow task of the method resumes.
///
/// `package`: InfiniticTesting's `WorkflowReplayer` runs it on recorded histories.
package struct Replayer {
    let definition: WorkflowDefinition
    let checkMode: CheckMode
    let codec: any PayloadCodec

    package init(definition: WorkflowDefinition, checkMode: CheckMode, codec: any PayloadCodec) {
        self.definition = definition
        self.checkMode = checkMode
        self.codec = codec
    }

    /// Replays `task`; the code sees `headers` (`WorkflowContext.headers`) and its commands pass `interceptors`.
    package func replay(
        _ task: WorkflowTask, headers: [String: String] = [:], interceptors: Interceptors = []
    ) async -> WorkflowTaskOutput {
        await replay(task, headers: headers, interceptors: interceptors, parking: false).output
    }

    /// Replays `task` from the start of its method. With `parking`, code that waits at a step stays parked there:
    /// the parked replay comes back with the output.
    package func replay(
        _ task: WorkflowTask, headers: [String: String], interceptors: Interceptors, parking: Bool
    ) async -> (output: WorkflowTaskOutput, parked: ParkedReplay?) {
        guard let start = task.method.start else {
            let error = WorkflowUsageError("method \(task.method.methodId) was dispatched without its start")
            return (WorkflowTaskOutput(outcome: .workflowTaskFailed(failure(task, error))), nil)
        }
        let execution = WorkflowExecution(
            task: task, start: start, checkMode: checkMode, codec: codec, headers: headers, interceptors: interceptors,
            parkable: parking)
        let run = ReplayRun(execution: execution) { [definition, codec] in
            let context = WorkflowContext(execution: execution)
            do {
                return .success(
                    try await WorkflowExecution.$current.withValue(execution) {
                        try await definition.run(
                            task.method.methodName, context: context, arguments: task.method.arguments, codec: codec)
                    })
            } catch {
                return .failure(error)
            }
        }
        return await run.settle()
    }

    private func failure(_ task: WorkflowTask, _ error: any Error) -> WorkflowTaskFailedError {
        WorkflowTaskFailedError(
            workflowName: task.workflowName, workflowId: task.workflowId, workflowTaskId: task.workflowTaskId,
            methodName: task.method.methodName, error: ErrorDescription(error, codec: codec))
    }
}

/// The task running a replay's method on its own `ReplayExecutor`, driven by the threads that start or resume it.
final class ReplayRun: Sendable {
    let execution: WorkflowExecution
    private let executor = ReplayExecutor()
    /// Where the replay's task leaves the method's outcome.
    private let outcome = Mutex<Result<Payload, any Error>?>(nil)
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Starts `method` as the replay's task (it runs when driven: see `settle()`).
    init(execution: WorkflowExecution, _ method: @escaping @Sendable () async -> Result<Payload, any Error>) {
        self.execution = execution
        // The task holds this run until it ends (the code returned, threw, or unwound once abandoned).
        let handle = Task(executorPreference: executor) { [self] in
            execution.adoptCurrentTask(executor: executor.asUnownedTaskExecutor())
            let result = await method()
            execution.finish()
            outcome.withLock { $0 = result }
        }
        task.withLock { $0 = handle }
    }

    private var ended: Bool { outcome.withLock { $0 != nil } }

    /// Runs the replay's queued work on the calling thread until the method ended or parked. The first job must
    /// run the code to its end or to its parking step; otherwise the execution is sealed as escaped, after the
    /// queued child tasks had their chance to show how. Returns the workflow task's output, and this run when
    /// parked.
    func settle() async -> (output: WorkflowTaskOutput, parked: ParkedReplay?) {
        executor.runNext()
        if !ended && execution.isParked && !executor.hasQueuedJobs {
            return (execution.output(after: nil), ParkedReplay(run: self))
        }
        let handle = task.withLock { $0 }
        if !ended {
            executor.drain(until: { ended })  // child tasks using the context report themselves
            execution.suspendedOutside()
            handle?.cancel()  // wakes a sleep or another cancellable wait
            execution.abandon()
            executor.drain(until: { ended })
        }
        executor.release()
        await handle?.value
        return (execution.output(after: outcome.withLock { $0 } ?? .failure(WorkflowSuspension())), nil)
    }

    /// Whether work was queued for the replay while nobody drove it (a task that escaped woke up meanwhile).
    var hasQueuedJobs: Bool { executor.hasQueuedJobs }

    /// Drops a parked replay: its code gets `WorkflowSuspension` and unwinds, on the calling thread.
    func abandon() {
        execution.abandon()
        executor.drain(until: { ended })
        executor.release()
    }
}

/// A replay whose code waits, parked, at a step of its method, ready for the method's next workflow task.
package final class ParkedReplay: Sendable {
    let run: ReplayRun

    init(run: ReplayRun) {
        self.run = run
    }

    var execution: WorkflowExecution { run.execution }

    /// Where its code waits, with the commands it knows without outcome (nil once it is no longer parked).
    var point: StickyPoint? {
        guard let parked = execution.parkedAt else { return nil }
        return StickyPoint(
            taskIndex: parked.taskIndex, position: parked.step.position,
            ongoingCommandIds: execution.ongoingCommandIds)
    }

    /// Resumes the code with `task` (see `WorkflowExecution.resume(with:headers:)`) and runs it until it ends or
    /// parks again. Nil, leaving it parked, if `task` does not continue it or work of an escaped task is waiting.
    func resume(
        with task: WorkflowTask, headers: [String: String]
    ) async -> (output: WorkflowTaskOutput, parked: ParkedReplay?)? {
        guard !run.hasQueuedJobs, run.execution.resume(with: task, headers: headers) else { return nil }
        return await run.settle()
    }

    /// Whether `task` resumes it (see `WorkflowExecution.resume(with:headers:)`), with no work of an escaped task
    /// waiting.
    func isContinued(by task: WorkflowTask) -> Bool {
        !run.hasQueuedJobs && run.execution.isContinued(by: task)
    }

    /// Drops it: its code unwinds (with `WorkflowSuspension`) and its task ends.
    func abandon() {
        run.abandon()
    }
}
