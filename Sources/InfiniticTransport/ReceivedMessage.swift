import Foundation

/// A message handed to a consumer.
public struct ReceivedMessage: Sendable, Hashable {
    /// The broker's id of this entry (a stream id on Redis).
    public let id: String
    public let topic: Topic
    public let key: String?
    public let payload: [UInt8]
    /// How many times this message has been handed to a handler, this time included (1 on first delivery).
    /// It grows when a consumer dies or times out holding it, and when its handler asks for a retry.
    public let deliveryCount: Int
    /// When the producer published it (its clock), if known.
    public let publishedAt: Date?
    /// The partition it was read from.
    public let partition: Int
    /// The state of the message's key, read in the same atomic step that took the key's lock, when the
    /// subscription asks for it (`Subscription.prefetch`): as current as a read made by the handler, one round
    /// trip cheaper. nil when not prefetched (then read it yourself).
    public let prefetchedState: PrefetchedState?

    public init(
        id: String, topic: Topic, key: String?, payload: [UInt8], deliveryCount: Int, publishedAt: Date?,
        partition: Int = 0, prefetchedState: PrefetchedState? = nil
    ) {
        self.id = id
        self.topic = topic
        self.key = key
        self.payload = payload
        self.deliveryCount = deliveryCount
        self.publishedAt = publishedAt
        self.partition = partition
        self.prefetchedState = prefetchedState
    }

    /// The same message without its prefetched state (handed to a handler running again after a version
    /// conflict, which must read the state afresh).
    public func withoutPrefetchedState() -> ReceivedMessage {
        ReceivedMessage(
            id: id, topic: topic, key: key, payload: payload, deliveryCount: deliveryCount, publishedAt: publishedAt,
            partition: partition)
    }
}

/// The state of a key of the state store, read together with a message (see `Subscription.prefetch`).
public struct PrefetchedState: Sendable, Hashable {
    public var key: StateKey
    /// The fields read; nil when the key holds nothing.
    public var fields: StateFields?

    public init(key: StateKey, fields: StateFields?) {
        self.key = key
        self.fields = fields
    }

    /// The value as `StateWrite.Operation.put` stored it; nil when the key holds nothing.
    public var value: VersionedValue? { fields?.blob }
}

/// Which state a keyed subscription reads together with each message: the key named `namePrefix` followed by
/// the message's key, in the partition of the message's key; its fields `fields`, or every field when it has
/// at most `wholeUpTo` of them.
public struct StatePrefetch: Sendable, Hashable {
    public var namePrefix: String
    /// The fields always read (the value `put` stores by default).
    public var fields: [String]
    /// A value with at most this many fields is read whole (`StateFields.isComplete`).
    public var wholeUpTo: Int
    /// When set and on, a value whose last write came from the consumer reading it is read as its `fields` only,
    /// however small: for a subscriber that keeps what it wrote (`WorkflowStateCache`), which turns it off while
    /// what it keeps misses. A hint: a transport may read more.
    public var ownWrites: OwnWriteHint?

    public init(
        namePrefix: String, fields: [String] = [StateFields.blobField], wholeUpTo: Int = 0,
        ownWrites: OwnWriteHint? = nil
    ) {
        self.namePrefix = namePrefix
        self.fields = fields
        self.wholeUpTo = max(0, wholeUpTo)
        self.ownWrites = ownWrites
    }

    /// The state key of a message key.
    public func stateKey(for messageKey: String) -> StateKey {
        StateKey(namePrefix + messageKey, partitionKey: messageKey)
    }
}
