import Foundation

/// Schedules: start a workflow on a cron expression or at a fixed interval, at most once per tick whatever the
/// number of workers (see `ScheduleTiming`, `ScheduleOverlap`).
///
/// ```swift
/// let report = client.workflow(ReportStub.self, tags: ["nightly"])
/// try await client.schedule("nightly-report", try .cron("0 2 * * *")) { try await report.run("daily") }
/// let schedules = try await client.schedules(ReportStub.self)
/// try await client.pauseSchedule(ReportStub.self, name: "nightly-report")
/// ```
///
/// Each call waits for the tag engine's answer (at most `ClientConfiguration.queryTimeout`). Schedule requests do
/// not go through the client interceptors; the instances a schedule starts carry no client headers.
extension InfiniticClient {
    /// Creates the schedule `name` of the workflow of the stub called in `call` (or replaces the one with that
    /// name), and returns it once the workflow's tag engine has recorded it. Each tick starts a new instance
    /// with that call's method and arguments and the stub's tags and meta, under the id
    /// `Schedules.workflowId(workflowName:scheduleName:due:)`. The first tick is the first due instant after
    /// the engine handles the request; a replaced schedule runs again if it was paused.
    @discardableResult
    public func schedule<Value>(
        _ name: String, _ timing: ScheduleTiming, overlap: ScheduleOverlap = .skip,
        _ call: () async throws -> Value
    ) async throws -> ScheduleInfo {
        let capture = ClientDispatchCapture(mode: .schedule)
        do {
            _ = try await ClientDispatchCapture.$current.withValue(capture) { try await call() }
        } catch is ClientDispatchSignal {
        }
        guard let scheduled = capture.scheduled else {
            throw InfiniticError(.invalidUsage, "a schedule closure must call one method of a workflow stub")
        }
        let definition = ScheduleDefinition(
            name: name, timing: timing, overlap: overlap, workflowName: scheduled.workflowName,
            methodName: scheduled.methodName, arguments: scheduled.arguments, tags: scheduled.tags,
            meta: scheduled.meta)
        if let refusal = ScheduleEngine.refusal(definition, workflowName: scheduled.workflowName) {
            throw InfiniticError(.invalidSchedule, refusal)
        }
        let answer = try await scheduleRequest(workflowName: scheduled.workflowName, .upsert(definition))
        guard let info = answer.schedules.first else {
            throw InfiniticError(.invalidSchedule, "schedule '\(name)' was not recorded")
        }
        return info
    }

    /// The schedules of the workflow of `stub`, by name.
    public func schedules<Stub: WorkflowStub>(_ stub: Stub.Type) async throws -> [ScheduleInfo] {
        try await scheduleRequest(workflowName: Stub.workflowName, .list).schedules
    }

    /// Pauses the schedule `name`: no tick starts anything until `resumeSchedule`. Throws
    /// `InfiniticError.unknownSchedule` if there is no such schedule.
    @discardableResult
    public func pauseSchedule<Stub: WorkflowStub>(_ stub: Stub.Type, name: String) async throws -> ScheduleInfo {
        let answer = try await scheduleRequest(workflowName: Stub.workflowName, .pause(name: name))
        guard let info = answer.schedules.first else { throw Self.unknownSchedule(name, of: Stub.workflowName) }
        return info
    }

    /// Resumes the paused schedule `name` from its next due instant (the ticks missed while paused are not
    /// run). Throws `InfiniticError.unknownSchedule` if there is no such schedule.
    @discardableResult
    public func resumeSchedule<Stub: WorkflowStub>(_ stub: Stub.Type, name: String) async throws -> ScheduleInfo {
        let answer = try await scheduleRequest(workflowName: Stub.workflowName, .resume(name: name))
        guard let info = answer.schedules.first else { throw Self.unknownSchedule(name, of: Stub.workflowName) }
        return info
    }

    /// Deletes the schedule `name` (the instances it started go on): whether it existed.
    @discardableResult
    public func deleteSchedule<Stub: WorkflowStub>(_ stub: Stub.Type, name: String) async throws -> Bool {
        try await !scheduleRequest(workflowName: Stub.workflowName, .delete(name: name)).schedules.isEmpty
    }

    private static func unknownSchedule(_ name: String, of workflowName: String) -> InfiniticError {
        InfiniticError(.unknownSchedule, "\(workflowName) has no schedule '\(name)'")
    }

    /// Sends a request to the workflow's tag engine and waits for its answer.
    private func scheduleRequest(workflowName: String, _ action: ScheduleAction) async throws -> ScheduleAnswer {
        let requestId = UUID().uuidString.lowercased()
        let answer = Settlement<ResponseRouter.ScheduleOutcome>()
        try router.register(answer, forScheduleRequest: requestId)
        defer { router.removeScheduleRequest(requestId) }
        let request = ScheduleRequest(requestId: requestId, action: action)
        try await send(.schedule(ScheduleMessage(workflowName: workflowName, operation: .request(request))))
        let outcome = try await answer.value(
            timeout: configuration.queryTimeout, waitingFor: "the answer about the schedules of \(workflowName)")
        let result = try outcome.get()
        if let refusal = result.refusal { throw InfiniticError(.invalidSchedule, refusal) }
        return result
    }
}
