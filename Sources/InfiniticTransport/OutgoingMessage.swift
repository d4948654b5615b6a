import Foundation
import Synchronization

/// A message to publish: a topic, an optional key, opaque payload bytes and when to deliver it.
public struct OutgoingMessage: Sendable, Hashable {
    public var topic: Topic
    /// On keyed topics, messages sharing a key are processed one at a time, in order.
    public var key: String?
    /// Chooses the partition (and so the Redis Cluster slot); defaults to `key`. Messages that one atomic
    /// step reads and writes must share it (e.g. the workflow id).
    public var partitionKey: String?
    public var payload: [UInt8]
    public var delivery: ScheduledDelivery
    /// Identifies this publication: a scheduled message published twice with the same id is stored once.
    public var id: String

    public init(
        topic: Topic, key: String? = nil, partitionKey: String? = nil, payload: [UInt8],
        delivery: ScheduledDelivery = .now, id: String = PublicationID.next()
    ) {
        self.topic = topic
        self.key = key
        self.partitionKey = partitionKey
        self.payload = payload
        self.delivery = delivery
        self.id = id
    }

    /// The key used for partitioning.
    public var routingKey: String? { partitionKey ?? key }
}

/// Unique publication ids, cheap enough to draw for every message: a random prefix drawn once per process
/// and a counter.
public enum PublicationID {
    private static let prefix = String(UInt64.random(in: 0...UInt64.max), radix: 36) + "-"
    private static let counter = Atomic<UInt64>(0)

    public static func next() -> String {
        prefix + String(counter.add(1, ordering: .relaxed).newValue, radix: 36)
    }
}

/// When a published message becomes deliverable.
public enum ScheduledDelivery: Sendable, Hashable {
    case now
    /// After a delay measured by the broker's clock from the moment it stores the message.
    case after(Duration)
    /// At a wall-clock instant (delivered at once if already past).
    case at(Date)

    public var isImmediate: Bool {
        switch self {
        case .now: true
        case .after(let delay): delay <= .zero
        case .at: false
        }
    }
}
