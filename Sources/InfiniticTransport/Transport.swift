/// Handles one message and says what to do with it. Throwing asks for a retry (with backoff) until the
/// message has been delivered `maxDeliveries` times, then it goes to the dead-letter stream.
public typealias MessageHandler = @Sendable (ReceivedMessage) async throws -> Disposition

/// The broker contract every role runs on. Implementations: `InMemoryTransport` (tests, one process) and
/// `RedisStreamsTransport` (production). Both give the six guarantees:
///
/// - **persistent storage**: a message stays stored until every consumer group reading it acknowledged it;
/// - **exclusive consumption**: each message goes to one consumer of a group at a time;
/// - **key-based consumption**: on keyed topics, messages with the same key are handled one at a time, in
///   the order one producer sent them; a message whose key is busy waits (parked) until the key frees;
/// - **scheduled delivery**: a message sent with a delay or an instant is delivered at or after that time;
/// - **retry**: a message whose consumer died is redelivered after the visibility timeout; a failing
///   handler can ask for a delayed retry; after `maxDeliveries` the message goes to a dead-letter stream;
/// - **at-least-once**: a message is acknowledged only together with its handler's effects (`Commit`).
public protocol Transport: StateReading {
    /// Publishes messages. At least once: if the connection is lost mid-way, retrying may store a message
    /// twice (consumers deduplicate by their own ids).
    func publish(_ messages: [OutgoingMessage]) async throws

    /// Consumes `subscription` until the calling task is cancelled or a graceful shutdown of the service
    /// lifecycle begins; then it stops reading, lets running handlers finish and returns. A cancelled
    /// handler's messages are not acknowledged and will be delivered again.
    ///
    /// The handler gets batches: on a keyed topic, up to `Subscription.keyBatchSize` messages of one key that
    /// were waiting together, in order, with the key held for the whole batch; otherwise one message per batch.
    /// A batch is settled as a whole, in one atomic step. `consume(_:handler:)` hands one message at a time.
    func consume(_ subscription: Subscription, batchHandler: @escaping BatchHandler) async throws

    /// Reads a value of the co-located state store (the one `Commit.writes` goes to) as `put` stored it, with
    /// its version.
    func read(_ key: StateKey) async throws -> VersionedValue?

    /// The messages that went to `topic`'s dead-letter stream, oldest first.
    func deadLetters(of topic: Topic, limit: Int) async throws -> [DeadLetter]

    /// Removes a topic with its stored and scheduled messages and its consumer groups (its dead letters
    /// stay for inspection). For topics nobody consumes any more, such as a closed client's responses.
    func deleteTopic(_ topic: Topic) async throws

    /// Whether a consumer group ever subscribed to `topic` (a worker serving it started at least once): nil
    /// when the transport cannot tell. Clients ask before dispatching, so that work nobody serves is visible.
    func hasSubscribers(_ topic: Topic) async throws -> Bool?

    /// How far a consumer group is behind on `topic`, summed over its partitions: nil when the transport
    /// cannot tell. For metrics and operators; it costs a round trip per partition.
    func backlog(of topic: Topic, group: String) async throws -> ConsumerBacklog?
}

/// How far a consumer group is behind on a topic.
public struct ConsumerBacklog: Sendable, Hashable {
    /// Messages delivered to a consumer of the group and not yet acknowledged (being handled, or held by a
    /// consumer that died and not yet reclaimed).
    public var pending: Int
    /// Messages stored and not yet delivered to the group; nil when the transport cannot tell.
    public var lag: Int?

    public init(pending: Int, lag: Int?) {
        self.pending = pending
        self.lag = lag
    }
}

extension Transport {
    /// Whether a consumer group ever subscribed to `topic` (a worker serving it started at least once): nil
    /// when the transport cannot tell.
    public func hasSubscribers(_ topic: Topic) async throws -> Bool? { nil }

    /// How far a consumer group is behind on `topic`: nil when the transport cannot tell.
    public func backlog(of topic: Topic, group: String) async throws -> ConsumerBacklog? { nil }

    /// Publishes one message.
    public func publish(_ message: OutgoingMessage) async throws {
        try await publish([message])
    }
}

extension Transport {
    /// Consumes `subscription` one message per handler call (see `consume(_:batchHandler:)`).
    public func consume(_ subscription: Subscription, handler: @escaping MessageHandler) async throws {
        var single = subscription
        single.keyBatchSize = 1
        try await consume(single) { batch in
            BatchDisposition(try await handler(batch.messages[0]))
        }
    }
}

/// Reads of the state store that a transport carries (or that a test provides to a role's step).
public protocol StateReading: Sendable {
    /// Reads some fields of a value of the state store (`StateWrite.Operation.setFields`), with the value's
    /// version, in one atomic step; every field when `fields` is nil. nil when the key holds nothing.
    func read(_ key: StateKey, fields: [String]?) async throws -> StateFields?

    /// Reads the members of a set of the state store (`StateWrite.Operation.addToSet`).
    func members(of key: StateKey) async throws -> Set<String>
}
