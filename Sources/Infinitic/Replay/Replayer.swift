/// Replays one method of a workflow for one workflow task: a fresh implementation bound to a fresh context
/// re-runs the method from its beginning against the history, and the execution collects the output.
struct Replayer {
    let definition: WorkflowDefinition
    let checkMode: CheckMode
    let codec: any PayloadCodec

    func replay(_ task: WorkflowTask) async -> WorkflowTaskOutput {
        guard let start = task.method.start else {
            let error = WorkflowUsageError("method \(task.method.methodId) was dispatched without its start")
            return WorkflowTaskOutput(outcome: .workflowTaskFailed(failure(task, error)))
        }
        let execution = WorkflowExecution(task: task, start: start, checkMode: checkMode, codec: codec)
        let context = WorkflowContext(execution: execution)
        let result: Result<Payload, any Error>
        do {
            let payload = try await WorkflowExecution.$current.withValue(execution) {
                try await definition.run(
                    task.method.methodName, context: context, arguments: task.method.arguments, codec: codec)
            }
            result = .success(payload)
        } catch {
            result = .failure(error)
        }
        return execution.output(after: result)
    }

    private func failure(_ task: WorkflowTask, _ error: any Error) -> WorkflowTaskFailedError {
        WorkflowTaskFailedError(
            workflowName: task.workflowName, workflowId: task.workflowId, workflowTaskId: task.workflowTaskId,
            methodName: task.method.methodName, error: ErrorDescription(error, codec: codec))
    }
}
