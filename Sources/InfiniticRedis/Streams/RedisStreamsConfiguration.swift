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

    public init(
        redis: RedisConfiguration, keyspace: RedisKeyspace? = nil, longestBlock: Duration = .seconds(10),
        maxCommitBatch: Int = 256, brokerCheck: BrokerCheck = .strict
    ) {
        self.redis = redis
        self.keyspace = keyspace ?? (try! RedisKeyspace())
        self.longestBlock = max(longestBlock, .milliseconds(10))
        self.maxCommitBatch = max(1, maxCommitBatch)
        self.brokerCheck = brokerCheck
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
