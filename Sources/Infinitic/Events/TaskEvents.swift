import Foundation

/// The events of one attempt of a task, derived from what the service executor received and decided: started,
/// then completed, retry scheduled or failed.
enum TaskEvents {
    static func events(
        of envelope: ServiceExecutorEnvelope, result: Result<Payload, any Error>, outputs: [Outbound],
        startedAt: Date, endedAt: Date, settings: EventSettings
    ) -> [CloudEvent] {
        let task = envelope.message
        var data: [String: String] = [
            "serviceName": task.serviceName, "methodName": task.methodName, "taskId": task.taskId,
            "retryIndex": String(task.retryIndex), "retrySequence": String(task.retrySequence),
        ]
        if case .workflow(let name, let id, let methodId) = envelope.requester {
            data["workflowName"] = name
            data["workflowId"] = id
            data["methodId"] = methodId
            if let version = task.workflowVersion { data["workflowVersion"] = String(version) }
        }
        func event(_ type: InfiniticEventType, _ time: Date, _ data: [String: String]) -> CloudEvent {
            CloudEvent(
                id: "\(envelope.messageId):\(type.rawValue)", source: settings.source(service: task.serviceName),
                type: type.rawValue, subject: task.taskId, time: time, data: data)
        }
        var ended = data
        let outcome: InfiniticEventType
        switch result {
        case .success:
            outcome = .taskCompleted
        case .failure(let error):
            ended["error"] = "\(type(of: error)): \(error)"
            // A delegated task's retry goes through the service tag engine (inside its abandon).
            let retry = outputs.lazy.compactMap { output -> Duration? in
                switch output {
                case .serviceExecutor(_, .after(let delay)): return delay
                case .serviceTag(let envelope):
                    guard case .abandonDelegatedTask(let abandon) = envelope.message, abandon.retry != nil else {
                        return nil
                    }
                    return .milliseconds(abandon.retryDelayMilliseconds ?? 0)
                default: return nil
                }
            }.first
            if let retry {
                outcome = .taskRetryScheduled
                ended["secondsBeforeRetry"] = String(retry.inSeconds)
            } else {
                outcome = .taskFailed
            }
        }
        return [event(.taskStarted, startedAt, data), event(outcome, endedAt, ended)]
    }
}
