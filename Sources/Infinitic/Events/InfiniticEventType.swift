/// The types of the events the engine emits (`CloudEvent.type`).
///
/// Task events come from the service executor (subject: the task id); workflow events from the workflow
/// state engine (subject: the workflow id), as it applies what it receives and emits.
public enum InfiniticEventType: String, Sendable, Hashable, CaseIterable, Codable {
    /// A service executor began an attempt of the task.
    case taskStarted = "infinitic.task.started"
    case taskCompleted = "infinitic.task.completed"
    /// The attempt failed and the retry policy scheduled another (`data.secondsBeforeRetry`).
    case taskRetryScheduled = "infinitic.task.retryScheduled"
    /// The attempt failed and no retry follows.
    case taskFailed = "infinitic.task.failed"

    /// A workflow instance was created with its first method.
    case workflowDispatched = "infinitic.workflow.dispatched"
    /// Another method started on an instance.
    case workflowMethodDispatched = "infinitic.workflow.methodDispatched"
    /// A workflow task (a replay of the method) was dispatched to the workflow executor.
    case workflowExecutorDispatched = "infinitic.workflow.executorDispatched"
    case workflowExecutorCompleted = "infinitic.workflow.executorCompleted"
    /// The workflow task failed (the method fails with it).
    case workflowExecutorFailed = "infinitic.workflow.executorFailed"
    /// The workflow dispatched a task.
    case workflowTaskDispatched = "infinitic.workflow.taskDispatched"
    /// The outcome of one of its tasks reached the workflow.
    case workflowTaskCompleted = "infinitic.workflow.taskCompleted"
    case workflowTaskFailed = "infinitic.workflow.taskFailed"
    /// The workflow dispatched a method of another (or a new) workflow instance.
    case workflowRemoteMethodDispatched = "infinitic.workflow.remoteMethodDispatched"
    case workflowRemoteMethodCompleted = "infinitic.workflow.remoteMethodCompleted"
    case workflowRemoteMethodFailed = "infinitic.workflow.remoteMethodFailed"
    case workflowRemoteMethodCanceled = "infinitic.workflow.remoteMethodCanceled"
    case workflowRemoteMethodUnknown = "infinitic.workflow.remoteMethodUnknown"
    /// The caller-side timeout of a task or of a remote method elapsed first (a late outcome is ignored).
    case workflowTaskTimedOut = "infinitic.workflow.taskTimedOut"
    case workflowRemoteMethodTimedOut = "infinitic.workflow.remoteMethodTimedOut"
    /// The workflow started a child workflow instance (its outcome comes as `remoteMethod*`).
    case workflowChildDispatched = "infinitic.workflow.childDispatched"
    /// The workflow started a timer (`data.dueAt`), which then completed (it was due, or a client completed it).
    case workflowTimerDispatched = "infinitic.workflow.timerDispatched"
    case workflowTimerCompleted = "infinitic.workflow.timerCompleted"
    /// The workflow began receiving on a channel, then received a signal on it.
    case workflowReceiveDispatched = "infinitic.workflow.receiveDispatched"
    case workflowSignalReceived = "infinitic.workflow.signalReceived"
    /// The workflow sent a signal on a channel of another instance.
    case workflowSignalSent = "infinitic.workflow.signalSent"
    case workflowMethodCompleted = "infinitic.workflow.methodCompleted"
    /// A client retried a failed task of the workflow: it runs again (`data.retrySequence`).
    case workflowTaskRetried = "infinitic.workflow.taskRetried"
    /// A client retried the failed workflow task of a method: a new one resumes it.
    case workflowExecutorRetried = "infinitic.workflow.executorRetried"
    case workflowMethodFailed = "infinitic.workflow.methodFailed"
    case workflowMethodCanceled = "infinitic.workflow.methodCanceled"
    /// A client asked to cancel the instance.
    case workflowCancelRequested = "infinitic.workflow.cancel"
    /// Every method ended: the instance's state is gone.
    case workflowCompleted = "infinitic.workflow.completed"
    case workflowCanceled = "infinitic.workflow.canceled"
}
