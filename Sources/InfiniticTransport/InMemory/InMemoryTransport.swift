import Foundation
import Logging

/// The in-process implementation of `Transport`, for fast unit tests of the engines and for users' workflow
/// tests. It gives the same observable guarantees as the Redis Streams transport:
///
/// - consumer groups: each message goes to one consumer of each group; a group reads from the oldest stored
///   message when it first consumes; on a `Topic.isShared` topic a message is kept until every group that
///   subscribed acknowledged it, otherwise it is deleted when acknowledged;
/// - keyed topics: messages with the same key are handled one batch at a time per group, in publication order;
///   a message whose key is busy is parked and handed the key when it frees (with up to
///   `Subscription.keyBatchSize - 1` others parked behind it, as one batch);
/// - scheduled delivery and retries are measured by `clock`, never early;
/// - `Disposition.ack(_:)` applies its `Commit` in the same atomic step as the acknowledgement; a failed
///   version check applies nothing and the handler runs again on the same message (at most
///   `commitConflictAttempts` runs, as on Redis, then the message is retried after
///   `commitConflictRetryDelay`, or dead-lettered if that was its last allowed delivery).
///
/// Everything lives in memory and is lost with the instance. Consumers cannot die silently here, so the
/// visibility timeout and lock time-to-live of a `Subscription` play no part: a handler cancelled by a
/// shutdown gives its message back at once, and the next consumer of the group gets it.
public final class InMemoryTransport: Transport {
    /// How many times a handler runs on one delivery whose commits keep failing their version checks.
    public static let commitConflictAttempts = 3
    /// The retry delay of a message whose commit kept failing its version checks.
    public static let commitConflictRetryDelay = Duration.milliseconds(100)

    /// The clock that stamps messages and decides when scheduled messages and retries are due.
    public let clock: any TransportClock
    let broker = InMemoryBroker()
    let logger: Logger

    /// - Parameters:
    ///   - clock: the wall clock by default; a `ManualTransportClock` lets a test move time itself.
    ///   - logger: receives debug logs (dead letters, commit conflicts).
    public init(
        clock: any TransportClock = SystemTransportClock(),
        logger: Logger = .disabled("infinitic.transport.in-memory")
    ) {
        self.clock = clock
        self.logger = logger
    }

    public func publish(_ messages: [OutgoingMessage]) async throws {
        broker.publish(messages, now: clock.now())
    }

    public func read(_ key: StateKey) async throws -> VersionedValue? {
        broker.read(key, now: clock.now())
    }

    public func read(_ key: StateKey, fields: [String]?) async throws -> StateFields? {
        broker.read(key, fields: fields, now: clock.now())
    }

    public func members(of key: StateKey) async throws -> Set<String> {
        broker.members(of: key)
    }

    /// Removes the topic's stored and scheduled messages, retries and groups; its dead letters stay. A
    /// handler still running on one of its messages can finish: its commit applies, its ack finds nothing.
    public func deleteTopic(_ topic: Topic) async throws {
        broker.deleteTopic(topic.name)
    }

    public func deadLetters(of topic: Topic, limit: Int) async throws -> [DeadLetter] {
        broker.deadLetters(of: topic, limit: limit)
    }

    public func hasSubscribers(_ topic: Topic) async throws -> Bool? {
        !broker.snapshot(of: topic).groups.isEmpty
    }

    /// The group's messages read and not settled (in flight, ready again, parked or delayed) and unread.
    public func backlog(of topic: Topic, group: String) async throws -> ConsumerBacklog? {
        broker.snapshot(of: topic).groups[group].map { ConsumerBacklog(pending: $0.pending, lag: $0.unread) }
    }

    /// What `topic` holds right now: stored, scheduled and dead messages, and what each group holds.
    public func snapshot(of topic: Topic) -> InMemoryTopicSnapshot {
        broker.snapshot(of: topic)
    }
}
