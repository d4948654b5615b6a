import Foundation

/// The events of one step of a workflow state engine, derived from what it received (the batch), the state it
/// started from and the transition it decided (new state, messages out), in this order: what the inputs
/// brought (the instance or a method dispatched, a workflow task's outcome with the commands it dispatched, a
/// command's outcome), the methods that ended, the next workflow task, the end of the instance.
enum WorkflowEvents {
    static func events(
        of envelopes: [WorkflowEngineEnvelope], before: WorkflowState?, transition: WorkflowEngineTransition,
        now: Date, settings: EventSettings
    ) -> [CloudEvent] {
        guard let first = envelopes.first else { return [] }
        let workflowName = first.message.workflowName
        let workflowId = first.message.workflowId
        let source = settings.source(workflow: workflowName)
        var events: [CloudEvent] = []
        // The implementation version the instance runs (recorded when it started; absent for version 0).
        let version = (transition.state(after: before) ?? before)?.header.workflowVersion
        func add(_ type: InfiniticEventType, anchor: String, _ data: [String: String] = [:]) {
            var data = data
            data["workflowName"] = workflowName
            data["workflowId"] = workflowId
            if let version { data["workflowVersion"] = "\(version)" }
            events.append(
                CloudEvent(
                    id: "\(anchor):\(type.rawValue)", source: source, type: type.rawValue, subject: workflowId,
                    time: now, data: data))
        }

        // An ended instance that only keeps retained outcomes (closed) is, for events, no instance: closing it
        // ends the instance, and deleting it later is silent.
        let wasClosed = before?.header.isClosed ?? false
        let before = wasClosed ? nil : before
        let stateAfter = transition.state(after: before)
        var previous = before
        var after = stateAfter.flatMap { $0.header.isClosed ? nil : $0 }
        let deleted =
            if case .deleted = transition.state { !wasClosed } else {
                !wasClosed && stateAfter?.header.isClosed ?? false
            }
        let beforeMethods = before?.header.methods ?? []
        let afterMethods = after?.header.methods ?? []
        let known = Set(beforeMethods.map(\.methodId))
        var exists = before != nil

        // What the inputs brought.
        for envelope in envelopes {
            let anchor = envelope.messageId
            switch envelope.message {
            // (An ended instance answering a duplicate of its dispatch with a retained outcome was not created.)
            case .dispatchWorkflow(let dispatch) where !exists && !(wasClosed && after == nil):
                exists = true
                add(
                    .workflowDispatched, anchor: anchor,
                    ["methodName": dispatch.methodName, "methodId": dispatch.methodId])
            case .dispatchMethod(let dispatch)
            where !known.contains(dispatch.methodId) && afterMethods.contains { $0.methodId == dispatch.methodId }:
                add(
                    .workflowMethodDispatched, anchor: anchor,
                    ["methodName": dispatch.methodName, "methodId": dispatch.methodId])
            case .workflowTaskCompleted(let completed):
                guard let running = before?.header.runningWorkflowTask, running.id == completed.workflowTaskId,
                    running.methodId == completed.methodId
                else { continue }
                var data = ["methodId": completed.methodId, "workflowTaskId": completed.workflowTaskId]
                if case .workflowTaskFailed(let error) = completed.output.outcome {
                    data["error"] = "\(error)"
                    add(.workflowExecutorFailed, anchor: anchor, data)
                } else {
                    add(.workflowExecutorCompleted, anchor: anchor, data)
                }
                // The commands the workflow task dispatched (the workflow executor sent them).
                for command in completed.output.newCommands {
                    let descriptor = command.descriptor
                    var data = [
                        "methodId": completed.methodId, "commandId": command.id, "methodName": descriptor.methodName,
                    ]
                    switch descriptor.kind {
                    case .task:
                        data["serviceName"] = descriptor.targetName
                        data["taskId"] = command.id
                        add(.workflowTaskDispatched, anchor: "\(anchor):\(command.id)", data)
                    case .workflowMethod:
                        data["targetWorkflowName"] = descriptor.targetName
                        data["targetWorkflowId"] = descriptor.targetWorkflowId ?? command.id
                        add(.workflowRemoteMethodDispatched, anchor: "\(anchor):\(command.id)", data)
                    case .childWorkflow:
                        data["targetWorkflowName"] = descriptor.targetName
                        data["targetWorkflowId"] = command.id
                        add(.workflowChildDispatched, anchor: "\(anchor):\(command.id)", data)
                    case .timer:
                        data["timerId"] = command.id
                        add(.workflowTimerDispatched, anchor: "\(anchor):\(command.id)", data)
                    case .receive:
                        data["channel"] = descriptor.targetName
                        add(.workflowReceiveDispatched, anchor: "\(anchor):\(command.id)", data)
                    case .signal:
                        data["channel"] = descriptor.targetName
                        data["targetWorkflowName"] = descriptor.targetName
                        if let target = descriptor.targetWorkflowId { data["targetWorkflowId"] = target }
                        add(.workflowSignalSent, anchor: "\(anchor):\(command.id)", data)
                    case .inline:
                        break
                    }
                }
            case .commandResult(let result):
                let earlier = try? previous?.command(result.commandId)
                if earlier?.record.status.isTerminated ?? false { continue }
                let entry = earlier ?? (try? after?.command(result.commandId))
                var data = ["methodId": result.methodId, "commandId": result.commandId]
                if let descriptor = entry?.record.descriptor {
                    let name =
                        switch descriptor.kind {
                        case .task: "serviceName"
                        case .receive, .signal: "channel"
                        case .timer, .inline: "name"
                        case .workflowMethod, .childWorkflow: "targetWorkflowName"
                        }
                    data[name] = descriptor.targetName
                    data["methodName"] = descriptor.methodName
                }
                add(commandResultType(result.outcome, kind: entry?.record.descriptor.kind), anchor: anchor, data)
            case .retryTasks:
                // The tasks the state engine dispatched again.
                for output in transition.outputs {
                    guard case .serviceExecutor(let retried, _) = output else { continue }
                    let task = retried.message
                    var data = ["taskId": task.taskId, "serviceName": task.serviceName, "methodName": task.methodName]
                    data["retrySequence"] = String(task.retrySequence)
                    if case .workflow(_, _, let methodId) = retried.requester { data["methodId"] = methodId }
                    add(.workflowTaskRetried, anchor: "\(anchor):\(task.taskId)", data)
                }
            case .retryWorkflowTask:
                // The methods whose failure was undone.
                for summary in beforeMethods where summary.ending == .failed {
                    guard afterMethods.contains(where: { $0.methodId == summary.methodId && $0.ending == nil }) else {
                        continue
                    }
                    add(
                        .workflowExecutorRetried, anchor: "\(anchor):\(summary.methodId)",
                        ["methodId": summary.methodId])
                }
            default:
                continue
            }
        }

        // The methods that ended.
        let lastAnchor = envelopes[envelopes.count - 1].messageId
        let canceled = deleted && envelopes.contains { if case .cancelWorkflow = $0.message { true } else { false } }
        var methodIds = beforeMethods.map(\.methodId)
        methodIds += afterMethods.map(\.methodId).filter { !known.contains($0) }
        for methodId in methodIds {
            let wasEnded = beforeMethods.first { $0.methodId == methodId }?.ending != nil
            guard !wasEnded else { continue }
            let ending: MethodSummary.Ending?
            if let summary = afterMethods.first(where: { $0.methodId == methodId }) {
                ending = summary.ending
            } else if deleted || after != nil {
                // Gone: canceled with the instance, or completed and left the state.
                ending = canceled ? .canceled : .completed
            } else {
                ending = nil
            }
            guard let ending else { continue }
            var data = ["methodId": methodId]
            let record = (try? after?.methodRecord(methodId)) ?? (try? previous?.methodRecord(methodId))
            if let record { data["methodName"] = record.history.methodName }
            if case .failed(let error)? = record?.outcome { data["error"] = "\(error)" }
            let type: InfiniticEventType =
                switch ending {
                case .completed: .workflowMethodCompleted
                case .failed: .workflowMethodFailed
                case .canceled: .workflowMethodCanceled
                }
            add(type, anchor: "\(lastAnchor):\(methodId)", data)
        }

        // The next workflow task.
        for output in transition.outputs {
            let envelope: WorkflowExecutorEnvelope
            switch output {
            case .workflowExecutor(let task), .stickyWorkflowExecutor(let task, _): envelope = task
            default: continue
            }
            let task = envelope.message
            add(
                .workflowExecutorDispatched, anchor: envelope.messageId,
                ["methodId": task.method.methodId, "workflowTaskId": task.workflowTaskId])
        }

        // The end of the instance.
        if deleted && exists {
            add(canceled ? .workflowCanceled : .workflowCompleted, anchor: lastAnchor)
        }
        return events
    }

    private static func commandResultType(_ outcome: CommandStatus, kind: CommandDescriptor.Kind?) -> InfiniticEventType
    {
        let isWorkflow = kind == .workflowMethod || kind == .childWorkflow
        switch outcome {
        case .ongoing, .completed:
            switch kind {
            case .timer: return .workflowTimerCompleted
            case .receive: return .workflowSignalReceived
            default: return isWorkflow ? .workflowRemoteMethodCompleted : .workflowTaskCompleted
            }
        case .failed(let failure):
            switch failure {
            case .workflowFailed, .workflowTaskFailed: return .workflowRemoteMethodFailed
            case .workflowCanceled: return .workflowRemoteMethodCanceled
            case .workflowUnknown: return .workflowRemoteMethodUnknown
            case .taskTimedOut: return .workflowTaskTimedOut
            case .workflowTimedOut: return .workflowRemoteMethodTimedOut
            case .taskFailed, .taskUnknown, .error:
                return isWorkflow ? .workflowRemoteMethodFailed : .workflowTaskFailed
            }
        }
    }
}
