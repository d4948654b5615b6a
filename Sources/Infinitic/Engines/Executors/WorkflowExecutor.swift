import Foundation

/// Runs workflow tasks: replays the method against its history, then emits the result to the state engine
/// and dispatches the new commands (service tasks, methods of workflow instances) in the same commit.
public struct WorkflowExecutor: Sendable {
    public let emitterName: String
    public let checkMode: CheckMode
    public let codec: any PayloadCodec
    private let definitions: [String: WorkflowDefinition]

    public init(
        definitions: [WorkflowDefinition], emitterName: String, checkMode: CheckMode = .simple,
        codec: any PayloadCodec = JSONPayloadCodec()
    ) {
        self.definitions = Dictionary(definitions.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.emitterName = emitterName
        self.checkMode = checkMode
        self.codec = codec
    }

    /// Replays the workflow task (its commands through `interceptors`) and returns what to send.
    public func execute(
        _ envelope: WorkflowExecutorEnvelope, now: Date, interceptors: Interceptors = []
    ) async -> [Outbound] {
        outputs(of: await replay(envelope, interceptors: interceptors), for: envelope, now: now)
    }

    /// Replays the workflow task: the workflow code sees the envelope's headers, and its commands pass
    /// `interceptors`.
    func replay(_ envelope: WorkflowExecutorEnvelope, interceptors: Interceptors) async -> WorkflowTaskOutput {
        let task = envelope.message
        guard let definition = definitions[task.workflowName] else {
            let error = InvocationError(.unknownWorkflow, "no workflow \(task.workflowName) is registered here")
            return failedOutput(for: task, error: error)
        }
        return await Replayer(definition: definition, checkMode: checkMode, codec: codec)
            .replay(task, headers: envelope.headers, interceptors: interceptors)
    }

    /// The output of a workflow task that failed with `error` before its replay could say anything.
    func failedOutput(for task: WorkflowTask, error: any Error) -> WorkflowTaskOutput {
        WorkflowTaskOutput(
            outcome: .workflowTaskFailed(
                WorkflowTaskFailedError(
                    workflowName: task.workflowName, workflowId: task.workflowId, workflowTaskId: task.workflowTaskId,
                    methodName: task.method.methodName, error: ErrorDescription(error, codec: codec))))
    }

    /// The result for the engine first, then the dispatch of each new command.
    func outputs(of output: WorkflowTaskOutput, for envelope: WorkflowExecutorEnvelope, now: Date) -> [Outbound] {
        let task = envelope.message
        var stamp = MessageStamp(
            inputMessageId: envelope.messageId, emitterName: emitterName, now: now, headers: envelope.headers)
        let requester = Requester.workflow(name: task.workflowName, id: task.workflowId, methodId: task.method.methodId)
        let completed = WorkflowTaskCompleted(
            workflowName: task.workflowName, workflowId: task.workflowId, workflowTaskId: task.workflowTaskId,
            methodId: task.method.methodId, output: output)
        var outputs: [Outbound] = [
            .workflowEngine(stamp.envelope(.workflowTaskCompleted(completed), requester: requester))
        ]
        for command in output.newCommands {
            let descriptor = command.descriptor
            // What the interceptors set for this command (nothing without interceptors).
            let intercepted = output.dispatches.isEmpty ? nil : output.dispatches[command.id]
            let headers = intercepted?.headers
            switch descriptor.kind {
            case .task:
                let serviceTask = ServiceTask(
                    taskId: command.id, serviceName: descriptor.targetName, methodName: descriptor.methodName,
                    arguments: descriptor.arguments, tags: descriptor.tags, meta: intercepted?.meta ?? descriptor.meta)
                for tag in descriptor.tags.sorted() {
                    let change = TaskTagChange(serviceName: descriptor.targetName, tag: tag, taskId: command.id)
                    outputs.append(.serviceTag(stamp.envelope(.addTag(change), requester: requester, headers: headers)))
                }
                outputs.append(
                    .serviceExecutor(
                        stamp.envelope(serviceTask, requester: requester, headers: headers), delivery: .now))
            case .workflowMethod:
                let dispatch = DispatchMethod(
                    workflowName: descriptor.targetName, workflowId: descriptor.targetWorkflowId ?? task.workflowId,
                    methodName: descriptor.methodName, methodId: command.id, arguments: descriptor.arguments)
                outputs.append(
                    .workflowEngine(stamp.envelope(.dispatchMethod(dispatch), requester: requester, headers: headers)))
            case .inline:
                break
            }
        }
        return outputs
    }
}
