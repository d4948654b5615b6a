import Foundation

/// How a consumer reads a topic: as a member of a consumer group (one group per consuming role).
public struct Subscription: Sendable, Hashable {
    public var topic: Topic
    /// The consumer group: every message goes to exactly one consumer of each group.
    public var group: String
    /// This consumer's name, unique in its group (defaults to host, process id and a random suffix).
    public var consumer: String
    /// Handlers running at once in this consumer.
    public var concurrency: Int
    /// The most messages fetched per read.
    public var batchSize: Int
    /// A message held this long by a silent consumer (one that stopped renewing it) is given to another.
    /// Live consumers renew their messages, so a slow handler is not mistaken for a dead one.
    public var visibilityTimeout: Duration
    /// After this many deliveries, a message that still fails goes to the dead-letter stream.
    public var maxDeliveries: Int
    /// The time to live of a key lock (keyed topics), renewed while its holder lives. When a holder dies, the
    /// message it held is reclaimed after the visibility timeout *together with its key*, so messages with that
    /// key keep their order; the TTL only frees a key whose holder and message are both gone. It must exceed
    /// the visibility timeout by a good margin (a lock expiring first lets a later message of that key run
    /// before the reclaimed one, should every live consumer's reclaim pass be late by that margin): it defaults to
    /// five times the visibility timeout. A consumer that starts reads new messages only after a first reclaim
    /// pass over all pending ones, so a fleet down longer than the TTL keeps each key's order.
    public var lockTimeToLive: Duration
    /// The longest pause between checks of scheduled (delayed) messages. A consumer looks at the schedule at
    /// the next due time and whenever a newly scheduled message becomes the soonest due (the transport wakes
    /// it), so this is only a safety net; it bounds how late a message scheduled by a producer that does not
    /// wake consumers can be.
    public var schedulerInterval: Duration
    /// On keyed topics, the state to read together with each message (`ReceivedMessage.prefetchedState`).
    public var prefetch: StatePrefetch?
    /// On keyed topics, the most messages of one key handed to one batch handler call
    /// (`Transport.consume(_:batchHandler:)`): messages of a key that wait together (read together, or parked
    /// behind the key's holder) are handled and committed as one step. 1 hands them one at a time.
    public var keyBatchSize: Int

    public init(
        topic: Topic, group: String, consumer: String = Subscription.uniqueConsumerName(), concurrency: Int = 32,
        batchSize: Int = 100, visibilityTimeout: Duration = .seconds(30), maxDeliveries: Int = 10,
        lockTimeToLive: Duration? = nil, schedulerInterval: Duration = .seconds(30),
        prefetch: StatePrefetch? = nil, keyBatchSize: Int = 1
    ) {
        precondition(!group.isEmpty && !consumer.isEmpty, "a subscription needs a group and a consumer name")
        self.topic = topic
        self.group = group
        self.consumer = consumer
        self.concurrency = max(1, concurrency)
        self.batchSize = max(1, batchSize)
        self.visibilityTimeout = max(visibilityTimeout, .milliseconds(100))
        self.maxDeliveries = max(1, maxDeliveries)
        self.lockTimeToLive = lockTimeToLive ?? self.visibilityTimeout * 5
        self.schedulerInterval = max(schedulerInterval, .milliseconds(1))
        self.prefetch = prefetch
        self.keyBatchSize = max(1, keyBatchSize)
    }

    /// `host-pid-random`: unique across the processes of a fleet and across restarts.
    public static func uniqueConsumerName() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)"
    }
}
