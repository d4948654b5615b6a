/// The naming of every topic and state key, in one place.
///
/// | topic | key | consumer |
/// |---|---|---|
/// | `workflow-engine:<Name>` | workflow id | workflow state engine |
/// | `workflow-executor:<Name>` | — (partitioned by workflow id) | workflow executor |
/// | `workflow-executor:<Name>@<executor>` | — (partitioned by workflow id) | that one workflow executor |
/// | `service-executor:<Name>` | — | service executor |
/// | `workflow-tag:<Name>` | tag | workflow tag engine |
/// | `service-tag:<Name>` | tag | service tag engine |
/// | `client:<clientName>` | — | a client |
public enum Topics {
    public static func workflowEngine(_ workflowName: String) -> Topic {
        Topic("workflow-engine:\(workflowName)", keyed: true)
    }

    public static func workflowExecutor(_ workflowName: String) -> Topic {
        Topic("workflow-executor:\(workflowName)")
    }

    /// The own topic of one workflow executor (sticky routing): the workflow tasks of the methods whose replays it
    /// keeps parked. It expires an hour after its last use, so that the topic of an executor that died goes.
    public static func stickyWorkflowExecutor(_ workflowName: String, executor: String) -> Topic {
        Topic("workflow-executor:\(workflowName)@\(executor)", expiresAfterIdle: .seconds(3_600))
    }

    public static func serviceExecutor(_ serviceName: String) -> Topic {
        Topic("service-executor:\(serviceName)")
    }

    public static func workflowTag(_ workflowName: String) -> Topic {
        Topic("workflow-tag:\(workflowName)", keyed: true)
    }

    public static func serviceTag(_ serviceName: String) -> Topic {
        Topic("service-tag:\(serviceName)", keyed: true)
    }

    public static func client(_ clientName: String) -> Topic {
        // A client's responses expire a day after its last activity: a client that died, or a response arriving
        // after `close()`, leaves nothing behind for good.
        Topic("client:\(clientName)", expiresAfterIdle: .seconds(86_400))
    }

    /// The state of a workflow instance, in the partition of its workflow id.
    public static func workflowState(_ workflowName: String, workflowId: String) -> StateKey {
        StateKey("workflow-state:\(workflowName):\(workflowId)", partitionKey: workflowId)
    }

    /// What the state engine reads together with each message: the state of the message's workflow id.
    public static func workflowStatePrefetch(_ workflowName: String) -> StatePrefetch {
        StatePrefetch(namePrefix: "workflow-state:\(workflowName):")
    }

    /// The set of workflow ids carrying `tag`, in the partition of the tag.
    public static func workflowTagIds(_ workflowName: String, tag: String) -> StateKey {
        StateKey("workflow-tag-ids:\(workflowName):\(tag)", partitionKey: tag)
    }

    /// Every schedule of a workflow (`ScheduleBook`), in the partition of its tag engine key
    /// `Schedules.engineKey`.
    public static func workflowSchedules(_ workflowName: String) -> StateKey {
        StateKey("workflow-schedules:\(workflowName)", partitionKey: Schedules.engineKey)
    }

    /// The set of task ids carrying `tag`, in the partition of the tag.
    public static func serviceTagIds(_ serviceName: String, tag: String) -> StateKey {
        StateKey("service-tag-ids:\(serviceName):\(tag)", partitionKey: tag)
    }

    /// Who waits for the delegated task `taskId` of a service (`DelegatedTask`), in the partition of the
    /// service tag messages about it.
    public static func delegatedTask(_ serviceName: String, taskId: String) -> StateKey {
        let tag = DelegatedTask.tag(of: taskId)
        return StateKey("delegated-task:\(serviceName):\(taskId)", partitionKey: tag)
    }
}

extension Topics {
    /// The events of every role (`CloudEvent`s, a JSON array per step), read by each event listener in its own
    /// group; kept as a log of about `retaining` entries per partition (`Topic.retainedEntries`).
    public static func events(retaining: Int) -> Topic {
        Topic("events", retainedEntries: retaining)
    }
}
