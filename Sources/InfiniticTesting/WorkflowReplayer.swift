/// Replays a workflow implementation against recorded histories, as a workflow executor would, and says whether
/// the code still matches them: run it on the histories of running instances before deploying a change.
///
/// ```swift
/// let replayer = WorkflowReplayer(WorkflowDefinition(BookTripStub.self, implementation: BookTripWorkflow.self))
/// try await replayer.replay(WorkflowHistory(contentsOf: historyFile))   // throws WorkflowChangedError
/// ```
///
/// The replayer runs the definition it is given, whatever versions workers register: a history records the
/// version its instance runs (`WorkflowTask.workflowVersion`), and replaying it with a definition of another
/// version throws (replay the histories of each version with the definition of that version).
public struct WorkflowReplayer: Sendable {
    public let definition: WorkflowDefinition
    /// How strictly the code is compared with the history (the workers' `checkMode`).
    public var checkMode: CheckMode
    /// The codec the history's payloads were written with (the deployment's).
    public var codec: any PayloadCodec

    public init(
        _ definition: WorkflowDefinition, checkMode: CheckMode = .simple, codec: any PayloadCodec = BinaryPayloadCodec()
    ) {
        self.definition = definition
        self.checkMode = checkMode
        self.codec = codec
    }

    /// Replays every method of `history`.
    public func replay(_ history: WorkflowHistory) async throws {
        for task in history.tasks {
            try await replay(task)
        }
    }

    /// Replays one method and returns what the workflow task produced (new commands, the step it waits on...).
    ///
    /// Throws `WorkflowChangedError` (with the recorded command or step and what the code now does) when the code
    /// departs from the history, including at the step the method waits on; `WorkflowTaskFailedError` when the
    /// replay fails otherwise (an escape from the replay, a misuse of the context, an unknown method);
    /// `InfiniticError` (`invalidUsage`) when the history is of another workflow, or of another version.
    @discardableResult
    public func replay(_ task: WorkflowTask) async throws -> WorkflowTaskOutput {
        guard task.workflowName == definition.name else {
            throw InfiniticError(
                .invalidUsage, "a history of \(task.workflowName) replayed with the workflow \(definition.name)")
        }
        if let version = task.workflowVersion, version != definition.version {
            throw InfiniticError(
                .invalidUsage,
                "a history of \(task.workflowName) version \(version) replayed with version \(definition.version)")
        }
        // A stored method waiting on a step has not been resumed: replay it as new code up to that step, then
        // check the code reaches the same step there.
        var resumed = task
        resumed.method.currentStep = nil
        resumed.workflowVersion = definition.version
        let output = await Replayer(definition: definition, checkMode: checkMode, codec: codec).replay(resumed)
        if case .workflowTaskFailed(let failure) = output.outcome {
            if failure.error.isOfType(WorkflowChangedError.self),
                let changed = try? failure.error.decodeProperties(as: WorkflowChangedError.self, codec: codec)
            {
                throw changed
            }
            throw failure
        }
        if let waiting = task.method.currentStep, let current = departure(of: output, from: waiting) {
            throw WorkflowChangedError(
                workflowName: task.workflowName, methodName: task.method.methodName, position: waiting.position,
                recorded: waiting.step.description, current: current)
        }
        return output
    }

    /// What the code does at the position of the recorded `waiting` step, if it is not that step.
    private func departure(of output: WorkflowTaskOutput, from waiting: WaitingStep) -> String? {
        let reached: StepSpec?
        if case .waiting(let step) = output.outcome, step.position == waiting.position {
            reached = step.step
        } else {
            reached = output.passedSteps.first { $0.position == waiting.position }?.step
        }
        if let reached {
            return checkMode == .none || reached == waiting.step ? nil : reached.description
        }
        if let command = output.newCommands.first(where: { $0.position == waiting.position }) {
            return command.descriptor.description
        }
        switch output.outcome {
        case .returned: return "the method returns"
        case .threw: return "the method throws"
        case .waiting(let step): return "\(step.step.description) at position \(step.position)"
        case .workflowTaskFailed(let failure): return "\(failure.error)"
        }
    }
}
