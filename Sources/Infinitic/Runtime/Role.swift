import Foundation
import Logging

/// A role of a worker, as a value: the topic and consumer group it reads, how one of its messages decodes, and
/// its step, which turns the decoded messages of a batch into a disposition. `RoleRunner` runs any role in
/// production (subscription, decoding, dead letters, logs, shutdown), and tests call the same `step`.
public protocol Role: Sendable {
    associatedtype Input: Sendable

    /// The kind of role, in logs.
    static var group: String { get }
    /// The consumer group it reads in: `group`, unless instances of the role each need their own.
    var consumerGroup: String { get }
    /// The service or workflow it serves.
    var name: String { get }
    var topic: Topic { get }
    /// On keyed topics, the most messages of one key handed to one step (1: one at a time).
    var keyBatchSize: Int { get }
    /// On keyed topics, the state read together with each batch.
    var prefetch: StatePrefetch? { get }

    /// Decodes one message; a message that does not decode is dead-lettered with the error.
    func decode(_ message: ReceivedMessage) throws -> Input

    /// Handles the decoded messages of one batch (never empty), oldest first.
    func step(_ inputs: [RoleInput<Input>], context: RoleContext) async throws -> BatchDisposition
}

extension Role {
    public var consumerGroup: String { Self.group }
    public var keyBatchSize: Int { 1 }
    public var prefetch: StatePrefetch? { nil }

    /// A received batch as `RoleRunner` handles it: each message decoded (one that does not decode is
    /// dead-lettered on its own), then the step over the others through the context's interceptors
    /// (`InfiniticInterceptor.step`), or directly when there are none.
    public func handle(_ batch: MessageBatch, context: RoleContext) async throws -> BatchDisposition {
        let (inputs, deadLetters) = decodeAll(batch)
        guard !inputs.isEmpty else { return .ack(deadLetters: deadLetters) }
        var decision =
            context.interceptors.isEmpty
            ? try await step(inputs, context: context) : try await stepIntercepted(inputs, context: context)
        if !deadLetters.isEmpty { decision.deadLetters.merge(deadLetters) { first, _ in first } }
        return decision
    }

    // `handle`'s synchronous and rare parts, kept out of its async frame (allocated for every batch).

    /// The batch's messages decoded, and the reasons of those that cannot be, by message id.
    @inline(never)
    private func decodeAll(_ batch: MessageBatch) -> (inputs: [RoleInput<Input>], deadLetters: [String: String]) {
        var inputs: [RoleInput<Input>] = []
        var deadLetters: [String: String] = [:]
        for message in batch.messages {
            do {
                inputs.append(RoleInput(message: message, value: try decode(message)))
            } catch {
                deadLetters[message.id] = "undecodable \(Self.group) message: \(error)"
            }
        }
        return (inputs, deadLetters)
    }

    /// The step through the interceptors.
    @inline(never)
    private func stepIntercepted(
        _ inputs: [RoleInput<Input>], context: RoleContext
    ) async throws -> BatchDisposition {
        let input = RoleStep(
            group: Self.group, name: name, messages: inputs.map { $0.message },
            headers: inputs.map { ($0.value as? any CarriesHeaders)?.headers ?? [:] })
        return try await context.interceptors.step(input) { try await step(inputs, context: context) }
    }
}

/// A decoded message of a batch.
public struct RoleInput<Value: Sendable>: Sendable {
    public var message: ReceivedMessage
    public var value: Value

    public init(message: ReceivedMessage, value: Value) {
        self.message = message
        self.value = value
    }
}

/// What a step may use besides its inputs: the state store, the clock, where to run work that may outlive the
/// step (time limits), the interceptors, a logger, and a way to publish before the step commits.
public struct RoleContext: Sendable {
    /// Reads of the state store (the transport's, or a test's).
    public var store: any StateReading
    /// The state read together with the batch, if the role prefetches and this is not a run after a conflict.
    public var prefetchedState: PrefetchedState?
    public var now: @Sendable () -> Date
    public var interceptors: Interceptors
    public var logger: Logger
    /// Draws r in [0, 1) (the jitter of retry delays).
    public var random: @Sendable () -> Double
    /// Publishes messages at once, ahead of the step's commit (a delegated task's registration, which must be
    /// stored before its method runs). Most steps publish only through their commit.
    public var publish: @Sendable ([OutgoingMessage]) async throws -> Void
    let pool: OverrunPool

    init(
        store: any StateReading, prefetchedState: PrefetchedState?, now: @escaping @Sendable () -> Date,
        interceptors: Interceptors, logger: Logger, pool: OverrunPool, random: @escaping @Sendable () -> Double,
        publish: @escaping @Sendable ([OutgoingMessage]) async throws -> Void
    ) {
        self.publish = publish
        self.store = store
        self.prefetchedState = prefetchedState
        self.now = now
        self.interceptors = interceptors
        self.logger = logger
        self.pool = pool
        self.random = random
    }

    /// Runs `body` with a context whose work pool lives as long as `body` (for tests and tools that call a
    /// role's step directly). Without `publish`, messages published ahead of a commit go to `store` when it is a
    /// `Transport`, else the publication fails.
    public static func withContext<Value: Sendable>(
        store: any StateReading, prefetchedState: PrefetchedState? = nil, now: @escaping @Sendable () -> Date,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        interceptors: Interceptors = [],
        logger: Logger = .disabled("infinitic"),
        publish: (@Sendable ([OutgoingMessage]) async throws -> Void)? = nil,
        _ body: @escaping @Sendable (RoleContext) async throws -> Value
    ) async throws -> Value {
        let publish =
            publish ?? { messages in
                guard let transport = store as? any Transport else {
                    throw InfiniticError(.invalidUsage, "this context has no transport to publish on")
                }
                try await transport.publish(messages)
            }
        let result = Settlement<Result<Value, any Error>>()
        try await OverrunPool.withPool { pool in
            let context = RoleContext(
                store: store, prefetchedState: prefetchedState, now: now, interceptors: interceptors, logger: logger,
                pool: pool, random: random, publish: publish)
            do {
                result.settle(.success(try await body(context)))
            } catch {
                result.settle(.failure(error))
            }
        }
        guard let outcome = await result.wait() else { throw CancellationError() }
        return try outcome.get()
    }

    /// The same context with the state read together with a batch.
    func with(prefetchedState: PrefetchedState?) -> RoleContext {
        var copy = self
        copy.prefetchedState = prefetchedState
        return copy
    }
}
