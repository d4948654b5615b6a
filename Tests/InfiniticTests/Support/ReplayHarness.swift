import Foundation

@testable import Infinitic

/// Builds workflow tasks by hand and replays them through a `WorkflowExecutor`.
struct ReplayHarness {
    let codec = JSONPayloadCodec()
    var workflows: [WorkflowDefinition] = [WorkflowFixtures.trips, SneakyFixtures.definition]
    var checkMode: CheckMode = .simple
    var workflowId = "wf-1"
    var methodId = "wf-1"
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// The instant of workflow task `index`.
    func instant(_ index: Int) -> Date { start.addingTimeInterval(Double(index)) }

    /// A method history started at workflow task 1 with no properties.
    func history(_ methodName: String, _ arguments: [Payload] = []) -> MethodHistory {
        MethodHistory(
            methodId: methodId, methodName: methodName, arguments: arguments,
            start: Resumption(taskIndex: 1, instant: instant(1), properties: [:]))
    }

    /// A task command created by task `createdAt`, completed with `result` visible from task `resolvedAt`.
    func taskCommand(
        _ id: String, position: Int, service: String, method: String, arguments: [Payload] = [],
        status: CommandStatus = .ongoing, createdAt: Int = 1, resolvedAt: Int? = nil, sequence: Int? = nil
    ) -> CommandRecord {
        CommandRecord(
            id: id, position: position,
            descriptor: CommandDescriptor(kind: .task, targetName: service, methodName: method, arguments: arguments),
            status: status, createdAtTaskIndex: createdAt,
            resolvedAtTaskIndex: resolvedAt ?? (status.isTerminated ? createdAt + 1 : nil),
            resolutionSequence: sequence ?? (status.isTerminated ? 1 : nil))
    }

    /// An executor of the harness's workflows, and `history` as workflow task `taskIndex` of `workflowName`.
    private func executorAndTask(
        _ history: MethodHistory, taskIndex: Int, workflowName: String
    ) -> (WorkflowExecutor, WorkflowExecutorEnvelope) {
        let executor = WorkflowExecutor(definitions: workflows, emitterName: "executor", checkMode: checkMode)
        let task = WorkflowTask(
            workflowTaskId: "task-\(taskIndex)", workflowName: workflowName, workflowId: workflowId, tags: [],
            meta: [:], taskIndex: taskIndex, instant: instant(taskIndex), method: history)
        let envelope = Envelope(
            messageId: "execute-\(taskIndex)", emitterName: "engine", emittedAt: instant(taskIndex), requester: nil,
            message: task)
        return (executor, envelope)
    }

    /// Replays `history` as workflow task `taskIndex` of workflow `workflowName`, its code parking where it waits
    /// (sticky replay): the output, and how many replays stayed parked (dropped afterwards).
    func replayParking(
        _ history: MethodHistory, taskIndex: Int = 1, workflowName: String = "Trips"
    ) async -> (output: WorkflowTaskOutput, parked: Int) {
        let cache = StickyReplays(capacity: 4)
        let output = await replayParking(history, in: cache, taskIndex: taskIndex, workflowName: workflowName)
        let parked = cache.count
        cache.removeAll()
        return (output, parked)
    }

    /// The same, parking in `cache`.
    func replayParking(
        _ history: MethodHistory, in cache: StickyReplays, taskIndex: Int = 1, workflowName: String = "Trips"
    ) async -> WorkflowTaskOutput {
        let (executor, envelope) = executorAndTask(history, taskIndex: taskIndex, workflowName: workflowName)
        return await executor.replay(
            envelope, interceptors: [], sticky: WorkflowExecutor.Sticky(resuming: nil, keepingIn: cache))
    }

    /// Replays `history` as workflow task `taskIndex` of workflow `workflowName`.
    func replay(
        _ history: MethodHistory, taskIndex: Int = 1, workflowName: String = "Trips"
    ) async -> WorkflowTaskOutput {
        await replayAll(history, taskIndex: taskIndex, workflowName: workflowName).output
    }

    /// Replays and returns the output with every emitted message.
    func replayAll(
        _ history: MethodHistory, taskIndex: Int = 1, workflowName: String = "Trips"
    ) async
        -> (output: WorkflowTaskOutput, outbound: [Outbound])
    {
        let (executor, envelope) = executorAndTask(history, taskIndex: taskIndex, workflowName: workflowName)
        let outbound = await executor.execute(envelope, now: instant(taskIndex))
        for case .workflowEngine(let result) in outbound {
            if case .workflowTaskCompleted(let completed) = result.message { return (completed.output, outbound) }
        }
        return (
            WorkflowTaskOutput(
                outcome: .workflowTaskFailed(
                    .init(
                        workflowName: "", workflowId: "", workflowTaskId: "", methodName: "",
                        error: ErrorDescription(typeName: "Harness", message: "no result emitted")))), outbound
        )
    }

    func decode<Value: Decodable>(_ type: Value.Type, _ outcome: WorkflowTaskOutput.Outcome) throws -> Value? {
        guard case .returned(let payload) = outcome else { return nil }
        return try codec.value(type, from: payload)
    }

    /// The `WorkflowChangedError` a failed workflow task carries: nil if the outcome is not a failure of that
    /// type; throws if it is one whose properties do not decode.
    func changedError(_ outcome: WorkflowTaskOutput.Outcome) throws -> WorkflowChangedError? {
        guard case .workflowTaskFailed(let failure) = outcome, failure.error.shortTypeName == "WorkflowChangedError"
        else { return nil }
        return try failure.error.decodeProperties(as: WorkflowChangedError.self)
    }
}

/// Workflow code that misbehaves, and a counter for property snapshots.
protocol Sneaky: Sendable {
    func swallow() async throws -> String
    func emptyDispatch() async throws -> String
    func nestedInline() async throws -> String
    func counter() async throws -> Int
}

struct SneakyImpl: Sneaky {
    let context: WorkflowContext
    @WorkflowProperty("count") var count = 0

    func swallow() async throws -> String {
        do {
            _ = try await context.service(HotelBookingStub.self).book(BookingRequest(guest: "x"))
        } catch {}
        _ = try? await context.service(FlightBookingStub.self).book(BookingRequest(guest: "x"))
        return "escaped"
    }

    func emptyDispatch() async throws -> String {
        _ = try await context.dispatch { 42 }
        return "dispatched nothing"
    }

    /// A stub call cannot even be written inside `inline` (its block is synchronous); a nested inline can.
    func nestedInline() async throws -> String {
        try context.inline { try context.inline { "not allowed" } }
    }

    func counter() async throws -> Int {
        count += 1
        _ = try await context.service(HotelBookingStub.self).book(BookingRequest(guest: "x"))
        count += 10
        return count
    }
}

enum SneakyFixtures {
    static let definition = WorkflowDefinition(name: "Sneaky", factory: { SneakyImpl(context: $0) }) {
        $0.add("swallow", SneakyImpl.swallow)
        $0.add("emptyDispatch", SneakyImpl.emptyDispatch)
        $0.add("nestedInline", SneakyImpl.nestedInline)
        $0.add("counter", SneakyImpl.counter)
    }
}
