import Foundation
import Logging

/// The workflow executor of one workflow: consumes `workflow-executor:<Name>` and replays each workflow task
/// against its history (through the interceptors), acknowledging it together with its result for the state
/// engine and the dispatch of the new commands. A replay running longer than `workflowTaskTimeout` (workflow
/// code awaiting something else than its context) fails the method with a `WorkflowTaskTimeoutError`.
public struct WorkflowExecutorRole: Role {
    public static let group = "workflow-executor"

    public let runner: WorkflowTaskRunner
    /// Whether it consumes its runner's own topic (`WorkflowTaskRunner.stickyExecutor`, sticky routing) instead of
    /// the shared one.
    public let consumesOwnTopic: Bool
    /// The versions of the workflow this executor replays (one name).
    public var definitions: [WorkflowDefinition] { runner.definitions }
    public var workflowTaskTimeout: Duration? { runner.workflowTaskTimeout }

    /// The role running the workflow tasks it reads with `runner`: those of the shared topic, or with
    /// `ownTopic`, those of the runner's own topic (which needs a `WorkflowTaskRunner.stickyExecutor` id).
    public init(runner: WorkflowTaskRunner, ownTopic: Bool = false) {
        precondition(!ownTopic || runner.stickyExecutor != nil, "an executor's own topic needs its sticky executor id")
        self.runner = runner
        self.consumesOwnTopic = ownTopic
    }

    public var name: String { runner.name }
    public var topic: Topic {
        if consumesOwnTopic, let executor = runner.stickyExecutor {
            return Topics.stickyWorkflowExecutor(runner.name, executor: executor)
        }
        return Topics.workflowExecutor(runner.name)
    }

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
