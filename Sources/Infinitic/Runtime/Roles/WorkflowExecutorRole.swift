import Foundation
import Logging

/// The workflow executor of one workflow: consumes `workflow-executor:<Name>` and replays each workflow task
/// against its history (through the interceptors), acknowledging it together with its result for the state
/// engine and the dispatch of the new commands. A replay running longer than `workflowTaskTimeout` (workflow
/// code awaiting something else than its context) fails the method with a `WorkflowTaskTimeoutError`.
public struct WorkflowExecutorRole: Role {
    public static let group = "workflow-executor"

    public let runner: WorkflowTaskRunner
    /// The versions of the workflow this executor replays (one name).
    public var definitions: [WorkflowDefinition] { runner.definitions }
    public var workflowTaskTimeout: Duration? { runner.workflowTaskTimeout }

    /// The role running the workflow tasks it reads with `runner`.
    public init(runner: WorkflowTaskRunner) {
        self.runner = runner
    }

    public var name: String { runner.name }
    public var topic: Topic { Topics.workflowExecutor(runner.name) }

    public func decode(_ message: ReceivedMessage) throws -> WorkflowExecutorEnvelope {
        try runner.executor.codec.decode(WorkflowExecutorEnvelope.self, from: message.payload)
    }

    public func step(
        _ inputs: [RoleInput<WorkflowExecutorEnvelope>], context: RoleContext
    ) async throws -> BatchDisposition {
        var messages: [OutgoingMessage] = []
        for input in inputs {
            // A replay interrupted by a hard stop throws: the message is replayed again (replays are deterministic).
            let outputs = try await runner.run(input.value, context: context)
            messages += try outputs.map { try $0.outgoingMessage(codec: runner.executor.codec) }
        }
        return .ack(Commit(messages: messages))
    }
}
