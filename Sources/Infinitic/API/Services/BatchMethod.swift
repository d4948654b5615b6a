import Foundation

/// A method whose tasks run together: its implementation gets the argument of every task of a batch, keyed by
/// task id, and returns one result per task id. Registered with `ServiceDefinition.batch(_:maxMessages:maxWait:_:)`.
///
/// A batch gathers the tasks of one method and one batch key (`TaskContext.batchKey`, the task's
/// `meta["batchKey"]`) that arrive while the batch is open: it runs once it holds `maxMessages` tasks, or
/// `maxWait` after its first task arrived.
public struct BatchMethod: Sendable {
    /// The most tasks in one batch.
    public let maxMessages: Int
    /// How long a batch waits for more tasks after its first one arrived.
    public let maxWait: Duration
    /// The type of each task's result (`String(reflecting:)`).
    let resultType: String
    let run: @Sendable (_ arguments: [String: [Payload]], _ codec: any PayloadCodec) async -> BatchOutcome

    init(
        maxMessages: Int, maxWait: Duration, resultType: String,
        run: @escaping @Sendable ([String: [Payload]], any PayloadCodec) async -> BatchOutcome
    ) {
        self.maxMessages = max(1, maxMessages)
        self.maxWait = max(maxWait, .zero)
        self.resultType = resultType
        self.run = run
    }
}

/// What a batch call gave: each task's encoded result or error, and the task ids the implementation returned
/// that were not in the batch.
struct BatchOutcome: Sendable {
    var results: [String: Result<Payload, any Error>]
    var extraKeys: [String] = []
}

/// What a running batch knows about its tasks, available to batch methods as `BatchContext.current` (inside a
/// batch call, `TaskContext.current` is nil: there is no single task).
public struct BatchContext: Sendable, Hashable {
    public var serviceName: String
    public var methodName: String
    /// The batch key shared by the tasks of the batch (nil for tasks without one).
    public var batchKey: String?
    /// The context of each task of the batch, by task id.
    public var tasks: [String: TaskContext]

    public init(serviceName: String, methodName: String, batchKey: String?, tasks: [String: TaskContext]) {
        self.serviceName = serviceName
        self.methodName = methodName
        self.batchKey = batchKey
        self.tasks = tasks
    }

    /// The context of the batch running on the current Swift task, or nil outside a batch method.
    @TaskLocal public static var current: BatchContext?
}

extension TaskContext {
    /// The meta key holding a task's batch key: tasks of a batch method with different batch keys never share a
    /// batch.
    public static let batchKeyMeta = "batchKey"

    /// The task's batch key (`meta["batchKey"]`), if any.
    public var batchKey: String? { meta[Self.batchKeyMeta] }
}

/// A batch method returned no result for a task of the batch. The task fails (then its retry policy applies).
public struct BatchResultMissingError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var serviceName: String
    public var methodName: String
    public var taskId: String

    public init(serviceName: String, methodName: String, taskId: String) {
        self.serviceName = serviceName
        self.methodName = methodName
        self.taskId = taskId
    }

    public var description: String {
        "the batch method \(serviceName).\(methodName) returned no result for task \(taskId)"
    }
}

extension ServiceDefinition {
    /// A copy where `method` is a batch method: its tasks run in batches, through `body`, which gets each task's
    /// argument by task id and returns each task's result by task id (`TaskContext.taskId`).
    ///
    /// ```swift
    /// ServiceDefinition(name: "Mailer", implementation: mailer) { _ in }
    ///     .batch("send", maxMessages: 50, maxWait: .seconds(1)) { (emails: [String: Email]) in
    ///         try await mailer.sendAll(emails)  // [String: Receipt]
    ///     }
    /// ```
    ///
    /// Workflows call the method per task, with one argument (several values go in one `Codable` struct): a
    /// stub's method, or a contract method whose per-task implementation is then never called. A batch holds
    /// tasks of this method and one batch key only, at most `maxMessages` of them, and runs once it is full or
    /// `maxWait` after its first task arrived. Batches gather among the tasks a worker handles at once: the service
    /// executor's concurrency is raised to at least `maxMessages`, a window shared by all batch keys.
    ///
    /// A task whose result is missing from the returned map fails with `BatchResultMissingError`; results for
    /// task ids not in the batch are ignored (and logged). When `body` throws or exceeds the execution timeout,
    /// every task of the batch fails with that error. Each failed task then follows the retry policy on its own:
    /// an automatic retry runs in a batch of its own, at once, so that one bad task cannot fail its neighbours
    /// again. Each task gets its own events and its own result message, as if it ran alone.
    public func batch<Input: Decodable & Sendable, Output: Encodable & Sendable>(
        _ method: String, maxMessages: Int, maxWait: Duration,
        _ body: @escaping @Sendable ([String: Input]) async throws -> [String: Output]
    ) -> ServiceDefinition {
        let name = self.name
        return adding(
            method,
            BatchMethod(maxMessages: maxMessages, maxWait: maxWait, resultType: String(reflecting: Output.self)) {
                arguments, codec in
                var outcome = BatchOutcome(results: [:])
                let inputs = Self.decode(arguments, Input.self, method: method, codec: codec, outcome: &outcome)
                guard !inputs.isEmpty else { return outcome }
                do {
                    let outputs = try await body(inputs)
                    for taskId in inputs.keys {
                        guard let output = outputs[taskId] else {
                            outcome.results[taskId] = .failure(
                                BatchResultMissingError(serviceName: name, methodName: method, taskId: taskId))
                            continue
                        }
                        outcome.results[taskId] = Result { try codec.payload(output) }
                    }
                    outcome.extraKeys = outputs.keys.filter { inputs[$0] == nil }.sorted()
                } catch {
                    for taskId in inputs.keys { outcome.results[taskId] = .failure(error) }
                }
                return outcome
            })
    }

    /// A copy where `method` is a batch method returning nothing: every task of a batch completes when `body`
    /// returns, and fails when it throws (see `batch(_:maxMessages:maxWait:_:)` for the rest).
    public func batch<Input: Decodable & Sendable>(
        _ method: String, maxMessages: Int, maxWait: Duration,
        _ body: @escaping @Sendable ([String: Input]) async throws -> Void
    ) -> ServiceDefinition {
        adding(
            method,
            BatchMethod(maxMessages: maxMessages, maxWait: maxWait, resultType: String(reflecting: Void.self)) {
                arguments, codec in
                var outcome = BatchOutcome(results: [:])
                let inputs = Self.decode(arguments, Input.self, method: method, codec: codec, outcome: &outcome)
                guard !inputs.isEmpty else { return outcome }
                let result: Result<Payload, any Error>
                do {
                    try await body(inputs)
                    result = .success(.void)
                } catch {
                    result = .failure(error)
                }
                for taskId in inputs.keys { outcome.results[taskId] = result }
                return outcome
            })
    }

    private func adding(_ method: String, _ batchMethod: BatchMethod) -> ServiceDefinition {
        var definition = self
        definition.batchMethods[method] = batchMethod
        definition.methodNames.insert(method)
        definition.resultTypes[method] = batchMethod.resultType
        return definition
    }

    /// Each task's single argument decoded; a task whose arguments do not decode fails on its own.
    private static func decode<Input: Decodable>(
        _ arguments: [String: [Payload]], _ type: Input.Type, method: String, codec: any PayloadCodec,
        outcome: inout BatchOutcome
    ) -> [String: Input] {
        var inputs: [String: Input] = [:]
        for (taskId, taskArguments) in arguments {
            guard taskArguments.count == 1 else {
                outcome.results[taskId] = .failure(
                    InvocationError(
                        .wrongArgumentCount, "the batch method \(method) takes 1 argument, \(taskArguments.count) given"
                    ))
                continue
            }
            do {
                inputs[taskId] = try codec.value(Input.self, from: taskArguments[0])
            } catch {
                outcome.results[taskId] = .failure(
                    InvocationError(.undecodableArgument, "the argument of \(method) is not a \(Input.self): \(error)"))
            }
        }
        return inputs
    }
}
