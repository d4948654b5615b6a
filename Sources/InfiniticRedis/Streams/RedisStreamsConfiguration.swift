/// Settings of the Redis Streams transport.
public struct RedisStreamsConfiguration: Sendable {
    public var redis: RedisConfiguration
    public var keyspace: RedisKeyspace
    /// The longest a blocking read waits before the consumer loop looks around (it wakes earlier for due
    /// scheduled messages and lost entries to reclaim). Shutdown interrupts it at once with `CLIENT UNBLOCK`.
    /// Longer blocks make an idle fleet quieter.
    public var longestBlock: Duration
    /// The most commits sent in one script call.
    public var maxCommitBatch: Int
    /// What to do when Redis is configured in a way that can lose messages.
    public var brokerCheck: BrokerCheck
    /// How long `publish` keeps resending while Redis cannot be reached (a restart, a cluster failover) before
    /// it throws.
    public var publishRetryLimit: Duration = .seconds(30)
    /// The largest payload a message may carry: a larger one is refused at publish
    /// (`TransportError.Code.messageTooLarge`), and an entry written by someone else with a larger one is
    /// dead-lettered unread. Huge entries slow every consumer of their stream and make Redis rewrite its AOF.
    public var maxMessageBytes: Int

    /// How long `RedisStreamsTransport.connect` (so a worker or a client starting) keeps trying to reach Redis,
    /// with backoff and a warning at each try, before it fails with `TransportError.Code.unavailable`: the
    /// processes of a fleet start in any order. Refused credentials fail at once.
    public var startupRetryLimit: Duration = .seconds(60)
    /// When a publish returns: once Redis has the message (default) or once it is fsynced to its AOF.
    public var publishDurability: PublishDurability = .written
    /// Consumers idle this long with nothing pending are removed from their groups (a killed process leaves its
    /// consumer listed forever); live consumers read at least every `longestBlock`, and one removed anyway is
    /// re-created by its next read. nil keeps them.
    public var idleConsumerRemoval: Duration? = .seconds(3600)
    /// Whether `connect` checks that the Redis user may run every command Infinitic runs (`PermissionCheck`).
    public var checksPermissions = true

    /// The longest message key: a key is also part of the name of its lock and park list.
    public static let maxKeyBytes = 4096

    public init(
        redis: RedisConfiguration, keyspace: RedisKeyspace? = nil, longestBlock: Duration = .seconds(10),
        maxCommitBatch: Int = 256, brokerCheck: BrokerCheck = .strict, maxMessageBytes: Int = 16 << 20
    ) {
        self.redis = redis
        self.keyspace = keyspace ?? (try! RedisKeyspace())
        self.longestBlock = max(longestBlock, .milliseconds(10))
        self.maxCommitBatch = max(1, maxCommitBatch)
        self.brokerCheck = brokerCheck
        self.maxMessageBytes = max(1, maxMessageBytes)
    }

    /// From a URL (`redis://user:password@host:port/db`) with defaults for the rest.
    public init(url: String, namespace: String = "infinitic", partitions: Int = 1) throws {
        self.init(
            redis: try RedisConfiguration(url: url),
            keyspace: try RedisKeyspace(namespace: namespace, partitions: partitions))
    }
}

/// How strictly the transport checks, at start, that Redis will not lose messages.
public enum BrokerCheck: Sendable, Hashable {
    /// Refuse to start when `maxmemory-policy` is not `noeviction` or Redis is older than 7.0.
    case strict
    /// Log a warning and go on (for managed Redis that hides its configuration).
    case warn
    case skip
}
