/// The names of the metrics `MetricsInterceptor` and `BacklogGauges` record.
public enum MetricNames {
    public static let messagesHandled = "infinitic_messages_handled_total"
    public static let stepDuration = "infinitic_step_duration_seconds"
    public static let retries = "infinitic_retries_total"
    public static let deadLetters = "infinitic_dead_letters_total"
    public static let taskExecutions = "infinitic_task_executions_total"
    public static let workflowTasks = "infinitic_workflow_tasks_total"
    public static let workflowTasksResumed = "infinitic_workflow_tasks_resumed_total"
    public static let workflowsRunning = "infinitic_workflows_running"
    public static let workflowsCreated = "infinitic_workflows_created_total"
    public static let workflowsDeleted = "infinitic_workflows_deleted_total"
    public static let streamPending = "infinitic_stream_pending"
    public static let streamLag = "infinitic_stream_lag"
}
