import Foundation
import Logging

/// Runs workflow tasks of one workflow the way a worker does: each replay through the interceptors
/// (`InfiniticInterceptor.replayWorkflowTask`), within the workflow task timeout, and turns its output into the
/// messages to send. The workflow executor role runs the tasks it reads with it; a state engine running in the
/// same worker as the executor runs its own instances' tasks with it inline (see
/// `WorkerConfiguration.inlineWorkflowTasks`).
public struct WorkflowTaskRunner: Sendable {
    /// The versions of the workflow it runs (one name): a workflow task runs the version its instance recorded,
    /// an instance's first one the highest.
    public let definitions: [WorkflowDefinition]
    /// How long one replay may run (nil: no limit); past it, the method fails with `WorkflowTaskTimeoutError`.
    public let workflowTaskTimeout: Duration?
    /// The replays it keeps parked between the workflow tasks of their methods (nil: each workflow task replays
    /// its method from the start; see `StickyReplays`). A state engine replaying inline uses them, and an executor
    /// with a `stickyExecutor` id.
    public let stickyReplays: StickyReplays?
    /// For an executor with sticky replays: the id of its own topic (`Topics.stickyWorkflowExecutor`), which it
    /// names in its results so that the state engines send there the next workflow tasks of the methods whose
    /// replays it keeps (sticky routing). Nil: its replays are not parked.
    public let stickyExecutor: String?
    let executor: WorkflowExecutor

    /// Runs the workflow tasks of `definitions`, one or several versions of one workflow name; with
    /// `stickyReplays` above zero, keeps up to that many replays parked between workflow tasks, knowing up to
    /// `stickyReplayCommands` commands in all. An executor (not an inline state engine) parks them only with a
    /// `stickyExecutor` id, the name of its own topic.
    public init(
        definitions: [WorkflowDefinition], emitterName: String, codec: any PayloadCodec,
        checkMode: CheckMode = .simple, workflowTaskTimeout: Duration? = .seconds(60), stickyReplays: Int = 0,
        stickyReplayCommands: Int = 100_000, stickyExecutor: String? = nil
    ) {
        precondition(!definitions.isEmpty, "a workflow task runner needs a definition")
        precondition(Set(definitions.map(\.name)).count == 1, "the definitions of a workflow task runner have one name")
        self.definitions = definitions
        self.workflowTaskTimeout = workflowTaskTimeout
        self.stickyReplays =
            stickyReplays > 0 ? StickyReplays(capacity: stickyReplays, commandBudget: stickyReplayCommands) : nil
        self.stickyExecutor = stickyReplays > 0 ? stickyExecutor : nil
        self.executor = WorkflowExecutor(
            definitions: definitions, emitterName: emitterName, checkMode: checkMode, codec: codec)
    }

    /// The workflow's name.
    public var name: String { definitions[0].name }

    /// Replays the workflow task and returns what to send: its result for the state engine first, then the
    /// dispatch of its new commands. Throws `CancellationError` when a hard stop of the worker interrupted it
    /// (the replay may then have recorded the interruption as a failure of the workflow code: run it again).
    ///
    /// With a `lease` (a state engine step replaying inline), the task resumes the method's parked replay the step
    /// took when it continues it, and the replay parks again in `stickyReplays` if the method waits; a task with
    /// only what changed (`WorkflowTask.historyFrom`) that has no such replay to resume throws
    /// `StickyReplayMissed`.
    ///
    /// An executor with a `stickyExecutor` id resumes the method's replay it keeps parked, when the task continues
    /// it, and keeps it parked again, saying so in its result; a task with only what changed that it has no such
    /// replay for is answered with a `RedispatchWorkflowTask` (the state engine sends it again whole).
    func run(
        _ envelope: WorkflowExecutorEnvelope, context: RoleContext, lease: StickyLease? = nil
    ) async throws -> [Outbound] {
        let task = envelope.message
        let parks = lease != nil || stickyExecutor != nil
        var parked: ParkedReplay?
        if let lease {
            parked = lease.take(methodId: task.method.methodId)
        } else if stickyExecutor != nil {
            parked = stickyReplays?.take(workflowId: task.workflowId, methodId: task.method.methodId)
        }
        if let replay = parked, !replay.isContinued(by: task) {
            replay.abandon()
            parked = nil
        }
        if task.historyFrom != nil && parked == nil {
            if lease != nil { throw StickyReplayMissed() }
            // Without sticky replay, such a task fails in `WorkflowExecutor.replay`.
            if let stickyExecutor { return executor.missed(envelope, executor: stickyExecutor, now: context.now()) }
        }
        // An executor (no lease) says where the replay parks; a state engine's lease knows it.
        let sticky =
            parks
            ? WorkflowExecutor.Sticky(resuming: parked, keepingIn: stickyReplays, reportsPoint: lease == nil) : nil
        let output = await replay(envelope, context: context, sticky: sticky)
        try Task.checkCancellation()
        return executor.outputs(
            of: output, for: envelope, now: context.now(), stickyExecutor: lease == nil ? stickyExecutor : nil)
    }

    /// Replays the workflow task through the interceptors (directly when there are none).
    private func replay(
        _ envelope: WorkflowExecutorEnvelope, context: RoleContext, sticky: WorkflowExecutor.Sticky?
    ) async -> WorkflowTaskOutput {
        guard !context.interceptors.isEmpty else {
            return await replayInTime(envelope, context: context, sticky: sticky)
        }
        return await replayIntercepted(envelope, context: context, sticky: sticky)
    }

    /// Replays the workflow task through the interceptors (kept out of `replay`'s async frame, which is allocated at
    /// every task even without interceptors).
    @inline(never)
    private func replayIntercepted(
        _ envelope: WorkflowExecutorEnvelope, context: RoleContext, sticky: WorkflowExecutor.Sticky?
    ) async -> WorkflowTaskOutput {
        let input = ReplayWorkflowTaskInput(task: envelope.message, headers: envelope.headers)
        return await context.interceptors.replayWorkflowTask(input) { input in
            var envelope = envelope
            envelope.message = input.task
            envelope.headers = input.headers
            return await replayInTime(envelope, context: context, sticky: sticky)
        }
    }

    /// Replays the workflow task, within the workflow task timeout.
    private func replayInTime(
        _ envelope: WorkflowExecutorEnvelope, context: RoleContext, sticky: WorkflowExecutor.Sticky?
    ) async -> WorkflowTaskOutput {
        let (executor, interceptors) = (self.executor, context.interceptors)
        guard let timeout = workflowTaskTimeout else {
            return await executor.replay(envelope, interceptors: interceptors, sticky: sticky)
        }
        let task = envelope.message
        do {
            let limit = TimeLimit(duration: timeout, pool: context.pool)
            // A replay cannot be stopped by cancellation (the workflow code runs synchronously on its executor):
            // it runs in the pool's job itself, a task less.
            switch try await limit.run(
                cancelling: false, { await executor.replay(envelope, interceptors: interceptors, sticky: sticky) })
            {
            case .finished(let output):
                return output
            case .timedOut:
                return timedOut(task, after: timeout, logger: context.logger)
            }
        } catch {
            return executor.failedOutput(for: task, error: error)
        }
    }

    /// The output of a workflow task whose replay exceeded `timeout`.
    @inline(never)
    private func timedOut(_ task: WorkflowTask, after timeout: Duration, logger: Logger) -> WorkflowTaskOutput {
        logger.warning(
            "workflow task exceeded its timeout, failing the method",
            metadata: [LogKeys.workflowId: "\(task.workflowId)", LogKeys.method: "\(task.method.methodName)"])
        let error = WorkflowTaskTimeoutError(
            workflowName: task.workflowName, workflowId: task.workflowId, methodName: task.method.methodName,
            timeoutSeconds: timeout.inSeconds)
        return executor.failedOutput(for: task, error: error)
    }
}
