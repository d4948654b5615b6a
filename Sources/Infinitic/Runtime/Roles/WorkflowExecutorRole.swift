import Foundation
import Logging

/// The workflow executor of one workflow: consumes `workflow-executor:<Name>` and replays each workflow task
/// against its history (through the interceptors), acknowledging it together with its result for the state
/// engine and the dispatch of the new commands. A replay running longer than `workflowTaskTimeout` (workflow
/// code awaiting something else than its context) fails the method with a `WorkflowTaskTimeoutError`.
public struct WorkflowExecutorRole: Role {
    public static let group = "workflow-executor"

    public let definition: WorkflowDefinition
    public let workflowTaskTimeout: Duration?
    private let executor: WorkflowExecutor

    public init(
        definition: WorkflowDefinition, emitterName: String, codec: any PayloadCodec, checkMode: CheckMode = .simple,
        workflowTaskTimeout: Duration? = .seconds(60)
    ) {
        self.definition = definition
        self.workflowTaskTimeout = workflowTaskTimeout
        self.executor = WorkflowExecutor(
            definitions: [definition], emitterName: emitterName, checkMode: checkMode, codec: codec)
    }

    public var name: String { definition.name }
    public var topic: Topic { Topics.workflowExecutor(definition.name) }

    public func decode(_ message: ReceivedMessage) throws -> WorkflowExecutorEnvelope {
        try executor.codec.decode(WorkflowExecutorEnvelope.self, from: message.payload)
    }

    public func step(
        _ inputs: [RoleInput<WorkflowExecutorEnvelope>], context: RoleContext
    ) async throws -> BatchDisposition {
        var messages: [OutgoingMessage] = []
        for input in inputs {
            let envelope = input.value
            let output = await replay(envelope, context: context)
            // A replay interrupted by a hard stop may have recorded the interruption as a failure of the workflow
            // code: leave the message to be replayed again (replays are deterministic).
            try Task.checkCancellation()
            let outputs = executor.outputs(of: output, for: envelope, now: context.now())
            messages += try outputs.map { try $0.outgoingMessage(codec: executor.codec) }
        }
        return .ack(Commit(messages: messages))
    }

    /// Replays the workflow task through the interceptors (directly when there are none).
    private func replay(_ envelope: WorkflowExecutorEnvelope, context: RoleContext) async -> WorkflowTaskOutput {
        guard !context.interceptors.isEmpty else { return await run(envelope, context: context) }
        let input = ReplayWorkflowTaskInput(task: envelope.message, headers: envelope.headers)
        return await context.interceptors.replayWorkflowTask(input) { input in
            var envelope = envelope
            envelope.message = input.task
            envelope.headers = input.headers
            return await run(envelope, context: context)
        }
    }

    /// Replays the workflow task, within the workflow task timeout.
    private func run(_ envelope: WorkflowExecutorEnvelope, context: RoleContext) async -> WorkflowTaskOutput {
        let (executor, interceptors) = (self.executor, context.interceptors)
        guard let timeout = workflowTaskTimeout else {
            return await executor.replay(envelope, interceptors: interceptors)
        }
        let task = envelope.message
        do {
            let limit = TimeLimit(duration: timeout, pool: context.pool)
            switch try await limit.run({ await executor.replay(envelope, interceptors: interceptors) }) {
            case .finished(let output):
                return output
            case .timedOut:
                context.logger.warning(
                    "workflow task exceeded its timeout, failing the method",
                    metadata: [LogKeys.workflowId: "\(task.workflowId)", LogKeys.method: "\(task.method.methodName)"])
                let error = WorkflowTaskTimeoutError(
                    workflowName: task.workflowName, workflowId: task.workflowId, methodName: task.method.methodName,
                    timeoutSeconds: timeout.inSeconds)
                return executor.failedOutput(for: task, error: error)
            }
        } catch {
            return executor.failedOutput(for: task, error: error)
        }
    }
}

extension WorkflowExecutorRole {
    /// The role with the emitter name and codec of `environment`.
    public init(
        definition: WorkflowDefinition, environment: RoleEnvironment, checkMode: CheckMode = .simple,
        workflowTaskTimeout: Duration? = .seconds(60)
    ) {
        self.init(
            definition: definition, emitterName: environment.emitterName, codec: environment.codec,
            checkMode: checkMode, workflowTaskTimeout: workflowTaskTimeout)
    }
}
