import Synchronization

/// Replays one method of a workflow for one workflow task: a fresh implementation bound to a fresh context
/// re-runs the method from its beginning against the history, and the execution collects the output.
///
/// The method runs in a child task on a `ReplayExecutor` driven by the calling thread, which catches workflow code
/// escaping the replay: the context used from another task (an `async let`, a task group, a `Task {}`), or a
/// suspension on something else than the context (`Task.sleep`...). Either fails the workflow task at once with a
/// `WorkflowEscapeError` instead of diverging or waiting for the workflow task timeout.
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
        guard let start = task.method.start else {
            let error = WorkflowUsageError("method \(task.method.methodId) was dispatched without its start")
            return WorkflowTaskOutput(outcome: .workflowTaskFailed(failure(task, error)))
        }
        let execution = WorkflowExecution(
            task: task, start: start, checkMode: checkMode, codec: codec, headers: headers, interceptors: interceptors)
        let result = await Self.drive(execution) { [definition, codec] in
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
        return execution.output(after: result)
    }

    /// Runs `method` as the replay's own task on a fresh `ReplayExecutor`: the first job must run it to its end;
    /// otherwise the execution is sealed as escaped, after the queued child tasks had their chance to show how.
    private static func drive(
        _ execution: WorkflowExecution,
        _ method: @escaping @Sendable () async -> Result<Payload, any Error>
    ) async -> Result<Payload, any Error> {
        let executor = ReplayExecutor()
        let outcome = Slot()
        return await withTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: executor) {
                execution.adoptCurrentTask(executor: executor.asUnownedTaskExecutor())
                let result = await method()
                execution.finish()
                outcome.value.withLock { $0 = result }
            }
            let ended = { outcome.value.withLock { $0 != nil } }
            executor.runNext()
            if !ended() {
                executor.drain(until: ended)  // child tasks using the context report themselves
                execution.suspendedOutside()
                group.cancelAll()  // wakes a sleep or another cancellable wait
                executor.drain(until: ended)
            }
            executor.release()
            await group.waitForAll()
            return outcome.value.withLock { $0 } ?? .failure(WorkflowSuspension())
        }
    }

    /// Where the replay's own task leaves the method's outcome.
    private final class Slot: Sendable {
        let value = Mutex<Result<Payload, any Error>?>(nil)
    }

    private func failure(_ task: WorkflowTask, _ error: any Error) -> WorkflowTaskFailedError {
        WorkflowTaskFailedError(
            workflowName: task.workflowName, workflowId: task.workflowId, workflowTaskId: task.workflowTaskId,
            methodName: task.method.methodName, error: ErrorDescription(error, codec: codec))
    }
}
