import Foundation
import Infinitic
import Synchronization

/// A tracing interceptor for tests, on the client and the worker alike: the client sets `trace-id` (and `op`, the
/// operation) on everything it sends; each workflow command gets a `hop` header (its kind and method) and a
/// `traced` meta, deterministically; it records what it sees.
final class TraceInterceptor: InfiniticInterceptor {
    struct Command: Sendable, Hashable {
        var target: String
        var isReplaying: Bool
    }

    struct Records: Sendable {
        /// The client operations, in order (`dispatchWorkflow Traced.run`...).
        var operations: [String] = []
        /// The headers of the responses a client received.
        var results: [[String: String]] = []
        /// The headers of each task a service executor ran.
        var tasks: [[String: String]] = []
        var commands: [Command] = []
    }

    let traceId: String
    private let state = Mutex(Records())

    init(traceId: String = "trace-\(UUID().uuidString.prefix(8))") {
        self.traceId = traceId
    }

    var records: Records { state.withLock { $0 } }

    private func note(_ operation: String) {
        state.withLock { $0.operations.append(operation) }
    }

    /// `input` with `trace-id` and `op` in its headers.
    private func traced<Input>(_ input: Input, _ headers: WritableKeyPath<Input, [String: String]>, op: String) -> Input
    {
        var input = input
        input[keyPath: headers].merge(["trace-id": traceId, "op": op]) { _, new in new }
        return input
    }

    func clientDispatchWorkflow(
        _ input: ClientDispatchWorkflowInput, next: (ClientDispatchWorkflowInput) async throws -> Void
    ) async throws {
        note("dispatchWorkflow \(input.workflowName).\(input.methodName)")
        try await next(traced(input, \.headers, op: "dispatchWorkflow"))
    }

    func clientDispatchMethod(
        _ input: ClientDispatchMethodInput, next: (ClientDispatchMethodInput) async throws -> Void
    ) async throws {
        switch input.target {
        case .instance: note("dispatchMethod \(input.workflowName).\(input.methodName) by id")
        case .tag(let tag): note("dispatchMethod \(input.workflowName).\(input.methodName) by tag \(tag)")
        }
        try await next(traced(input, \.headers, op: "dispatchMethod"))
    }

    func clientAwaitResult(
        _ input: ClientAwaitResultInput, next: (ClientAwaitResultInput) async throws -> ClientMethodResult
    ) async throws -> ClientMethodResult {
        note("awaitResult \(input.workflowName)")
        let result = try await next(traced(input, \.headers, op: "awaitResult"))
        state.withLock { $0.results.append(result.headers) }
        return result
    }

    func clientCancel(_ input: ClientCancelInput, next: (ClientCancelInput) async throws -> Void) async throws {
        switch input.target {
        case .id: note("cancel \(input.workflowName) by id")
        case .tag(let tag): note("cancel \(input.workflowName) by tag \(tag)")
        }
        try await next(traced(input, \.headers, op: "cancel"))
    }

    func clientLookupIds(
        _ input: ClientLookupIdsInput, next: (ClientLookupIdsInput) async throws -> [String]
    ) async throws -> [String] {
        note("lookupIds \(input.kind) \(input.name) \(input.tag)")
        return try await next(traced(input, \.headers, op: "lookupIds"))
    }

    /// Deterministic: the header and meta depend on the command only.
    func workflowCommand(_ input: WorkflowCommandInput, next: (WorkflowCommandInput) -> Void) {
        let command = input.command
        state.withLock {
            $0.commands.append(
                Command(target: "\(command.targetName).\(command.methodName)", isReplaying: input.isReplaying))
        }
        var input = input
        input.headers["hop"] = "\(command.kind.rawValue):\(command.methodName)"
        input.meta["traced"] = "yes"
        next(input)
    }

    func executeTask(
        _ input: ExecuteTaskInput, next: (ExecuteTaskInput) async -> Result<Payload, any Error>
    ) async -> Result<Payload, any Error> {
        state.withLock { $0.tasks.append(input.headers) }
        return await next(input)
    }
}

/// Counts the steps, and the messages they handle, per role group.
final class StepCounter: InfiniticInterceptor {
    struct Count: Sendable, Hashable {
        var steps = 0
        var messages = 0
    }

    private let counts = Mutex<[String: Count]>([:])
    private let replayCount = Mutex(0)

    var byGroup: [String: Count] { counts.withLock { $0 } }
    /// Workflow task replays (by an executor or inline).
    var replays: Int { replayCount.withLock { $0 } }

    func replayWorkflowTask(
        _ input: ReplayWorkflowTaskInput, next: (ReplayWorkflowTaskInput) async -> WorkflowTaskOutput
    ) async -> WorkflowTaskOutput {
        replayCount.withLock { $0 += 1 }
        return await next(input)
    }

    func step(_ input: RoleStep, next: () async throws -> BatchDisposition) async throws -> BatchDisposition {
        counts.withLock {
            $0[input.group, default: Count()].steps += 1
            $0[input.group, default: Count()].messages += input.messages.count
        }
        return try await next()
    }
}

/// Counts workflow task replays (an executor's, or a state engine's inline): whole, or with only what changed (they
/// resume a parked replay); and the whole ones of instances whose tasks already came with only what changed (sent
/// again whole: their replay was missed, or too late).
final class TaskKinds: InfiniticInterceptor {
    private let state = Mutex<(whole: Int, partial: Int, routed: Set<String>, wholeAfterRouted: Int)>((0, 0, [], 0))

    var counts: (whole: Int, partial: Int) { state.withLock { ($0.whole, $0.partial) } }
    var wholeAfterRouted: Int { state.withLock { $0.wholeAfterRouted } }

    func replayWorkflowTask(
        _ input: ReplayWorkflowTaskInput, next: (ReplayWorkflowTaskInput) async -> WorkflowTaskOutput
    ) async -> WorkflowTaskOutput {
        state.withLock {
            if input.task.historyFrom == nil {
                $0.whole += 1
                if $0.routed.contains(input.task.workflowId) { $0.wholeAfterRouted += 1 }
            } else {
                $0.partial += 1
                $0.routed.insert(input.task.workflowId)
            }
        }
        return await next(input)
    }
}
