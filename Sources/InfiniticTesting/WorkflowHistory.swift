import Foundation

/// The recorded history of one workflow instance: for each method that started, the workflow task that
/// replays it as the state stores it (including the step it waits on). Read it from a transport's state
/// store, keep it as a JSON file, and replay it with `WorkflowReplayer` after changing the workflow's code.
///
/// ```swift
/// // import InfiniticRedis for the Redis transport of production:
/// let redis = try await RedisStreamsTransport.connect(configuration: RedisStreamsConfiguration(url: url))
/// let history = try await WorkflowHistory.read(workflowName: BookTripStub.workflowName, workflowId: id, from: redis)
/// try history.write(to: URL(fileURLWithPath: "Tests/Histories/book-trip.json"))
/// ```
public struct WorkflowHistory: Sendable, Codable {
    public var workflowName: String
    public var workflowId: String
    /// One workflow task per started method.
    public var tasks: [WorkflowTask]

    public init(workflowName: String, workflowId: String, tasks: [WorkflowTask]) {
        self.workflowName = workflowName
        self.workflowId = workflowId
        self.tasks = tasks
    }

    /// Reads the stored state of the instance from `store` (an `InMemoryTransport`, a `RedisStreamsTransport`...),
    /// decoded with the deployment's `codec`. Throws `WorkflowUnknownError` if the instance has no state (it ended,
    /// or never existed).
    public static func read(
        workflowName: String, workflowId: String, from store: any StateReading,
        codec: any PayloadCodec = BinaryPayloadCodec()
    ) async throws -> WorkflowHistory {
        let key = Topics.workflowState(workflowName, workflowId: workflowId)
        guard let stored = try await store.read(key, fields: nil) else {
            throw WorkflowUnknownError(workflowName: workflowName, workflowId: workflowId)
        }
        let state = try WorkflowState(stored: stored, codec: codec)
        let header = state.header
        let methods = try header.methods.map { summary in
            guard let method = state.method(summary.methodId) else {
                throw WorkflowUsageError(
                    "the stored state of \(workflowId) lacks a part of method \(summary.methodId), or it does not decode"
                )
            }
            return method
        }
        let tasks = methods.filter { $0.history.start != nil }.map { method in
            let running = header.runningWorkflowTask.flatMap { $0.methodId == method.history.methodId ? $0 : nil }
            return WorkflowTask(
                workflowTaskId: running?.id ?? "replay-\(header.workflowTaskIndex)", workflowName: header.workflowName,
                workflowId: header.workflowId, tags: header.tags, meta: header.meta,
                taskIndex: running?.index ?? header.workflowTaskIndex, instant: header.lastInstant,
                method: method.history, workflowVersion: header.workflowVersion)
        }
        return WorkflowHistory(workflowName: header.workflowName, workflowId: header.workflowId, tasks: tasks)
    }

    /// A history written by `write(to:)`.
    public init(contentsOf url: URL) throws {
        self = try JSONDecoder().decode(WorkflowHistory.self, from: Data(contentsOf: url))
    }

    /// Writes the history as JSON (payloads stay in the deployment's codec, base64).
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url, options: .atomic)
    }
}
