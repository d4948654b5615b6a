import CoreMetrics
import Infinitic

/// Records a worker's metrics through swift-metrics, at the interceptor seam (`WorkerConfiguration.interceptors`),
/// so the engines know nothing of metrics. Every name starts with `infinitic_` (see `MetricNames`):
///
/// - `infinitic_messages_handled_total{role, topic, outcome}`: messages settled by a role's step, by outcome
///   (`ack`, `retry`, `dead_letter`, `error` when the step threw);
/// - `infinitic_step_duration_seconds{role, topic}`: a timer (a histogram in Prometheus) of each step;
/// - `infinitic_retries_total{role, topic, kind}`: `message` when a step asks for its batch again, `task` when
///   a service executor schedules a failed task's next attempt (its retry policy);
/// - `infinitic_dead_letters_total{role, topic}`: messages a step sends to the dead-letter stream;
/// - `infinitic_task_executions_total{service, outcome}`: service task attempts, `success` or `failure`;
/// - `infinitic_workflow_tasks_total{workflow, outcome}`: workflow task replays, by a workflow executor or inline
///   by a state engine (`WorkerConfiguration.inlineWorkflowTasks`), `success` or `failure` (the workflow task
///   failed: an error of the replay, not of the workflow code);
/// - `infinitic_workflow_tasks_resumed_total{workflow}`: those of them that carried only what changed and resumed a
///   replay parked where its method waited instead of replaying the method from its start (sticky replay and
///   routing, `WorkerConfiguration.stickyReplays`); an executor that resumes a parked replay with a whole workflow
///   task (it got it from the shared topic) does not count it;
/// - `infinitic_workflows_running{workflow}`: instances created minus instances ended by this process's state
///   engines (summed over a fleet's state engines it is the number of instances in progress; an ended instance
///   whose outcomes are retained, see `WorkerConfiguration.resultRetention`, no longer counts), with the counters
///   `infinitic_workflows_created_total` and `infinitic_workflows_deleted_total` (read from the state writes of
///   the steps: an instance that ends in the very step that created it, a method returning without a task whose
///   first workflow task is replayed inline, is never stored and counts in neither).
///
/// The instruments come from `factory` (a `PrometheusMetricsFactory` for `MetricsEndpoint`), or from the
/// process's bootstrapped `MetricsSystem` when nil. Each instrument is made once per label set.
public struct MetricsInterceptor: InfiniticInterceptor {
    private let instruments: Instruments

    public init(factory: (any MetricsFactory)? = nil) {
        self.instruments = Instruments(factory: factory ?? MetricsSystem.factory)
    }

    public func step(_ input: RoleStep, next: () async throws -> BatchDisposition) async throws -> BatchDisposition {
        let topic = input.messages.first?.topic.name ?? input.name
        let step = instruments.step(role: input.group, topic: topic)
        let start = ContinuousClock.now
        let decision: BatchDisposition
        do {
            decision = try await next()
        } catch {
            step.duration.record(since: start)
            step.errors.increment(by: Int64(input.messages.count))
            throw error
        }
        step.duration.record(since: start)
        record(decision, of: input, topic: topic, step: step)
        return decision
    }

    public func executeTask(
        _ input: ExecuteTaskInput, next: (ExecuteTaskInput) async -> Result<Payload, any Error>
    ) async -> Result<Payload, any Error> {
        let result = await next(input)
        let outcome: String
        switch result {
        case .success: outcome = "success"
        case .failure: outcome = "failure"
        }
        instruments.taskExecutions(service: input.task.serviceName, outcome: outcome).increment()
        return result
    }

    public func replayWorkflowTask(
        _ input: ReplayWorkflowTaskInput, next: (ReplayWorkflowTaskInput) async -> WorkflowTaskOutput
    ) async -> WorkflowTaskOutput {
        let output = await next(input)
        let outcome: String
        switch output.outcome {
        case .workflowTaskFailed: outcome = "failure"
        case .waiting, .returned, .threw: outcome = "success"
        }
        instruments.workflowTasks(workflow: input.task.workflowName, outcome: outcome).increment()
        if input.task.historyFrom != nil {
            instruments.workflowTasksResumed(workflow: input.task.workflowName).increment()
        }
        return output
    }

    private func record(_ decision: BatchDisposition, of input: RoleStep, topic: String, step: StepInstruments) {
        let count = input.messages.count
        let deadLettered = input.messages.reduce(0) { $0 + (decision.deadLetters[$1.id] == nil ? 0 : 1) }
        let settled = count - deadLettered
        switch decision.disposition {
        case .ack(let commit):
            if settled > 0 { step.acked.increment(by: Int64(settled)) }
            recordEffects(of: commit, input: input, topic: topic, step: step)
        case .retry:
            if settled > 0 {
                step.retried.increment(by: Int64(settled))
                step.messageRetries.increment(by: Int64(settled))
            }
        case .deadLetter:
            if settled > 0 {
                step.deadLettered.increment(by: Int64(settled))
                step.deadLetters.increment(by: Int64(settled))
            }
        }
        if deadLettered > 0 {
            step.deadLettered.increment(by: Int64(deadLettered))
            step.deadLetters.increment(by: Int64(deadLettered))
        }
    }

    /// What an acknowledged step committed: a service task's next attempt (published to the executor's own
    /// topic), a workflow instance created (its state written where none was) or deleted.
    private func recordEffects(of commit: Commit, input: RoleStep, topic: String, step: StepInstruments) {
        switch input.group {
        case "service-executor":
            let retries = commit.messages.reduce(0) { $0 + ($1.topic.name == topic ? 1 : 0) }
            if retries > 0 { step.taskRetries.increment(by: Int64(retries)) }
        case "workflow-state-engine":
            for write in commit.writes {
                switch write.operation {
                case .put:
                    if write.expectedVersion == 0 { instruments.workflows(input.name).created() }
                case .setFields(_, _, let replacingAll):
                    // A new instance, or one replacing an ended instance's retained outcomes.
                    if write.expectedVersion == 0 || replacingAll { instruments.workflows(input.name).created() }
                case .delete, .expire:
                    // The state of an instance that ended is deleted, or expires with its result retention.
                    instruments.workflows(input.name).deleted()
                case .addToSet, .removeFromSet:
                    break
                }
            }
        default:
            break
        }
    }
}

extension CoreMetrics.Timer {
    /// Records the time elapsed since `start`.
    func record(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
