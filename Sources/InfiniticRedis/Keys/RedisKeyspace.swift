import InfiniticTransport

/// Every Redis key name the project uses, built in one place.
///
/// Layout: `<namespace>:{<partition>}:<kind>:<name>`. The braces are a Redis Cluster *hash tag*: all keys of
/// one partition live in one slot, so a Lua script that reads a partition's stream, writes its state and
/// publishes to its other streams stays inside one slot. A message goes to the partition of its routing key
/// (`OutgoingMessage.routingKey`, e.g. the workflow id), so everything about one workflow shares a slot.
/// The partition count is fixed when a namespace is created: changing it moves keys.
public struct RedisKeyspace: Sendable, Hashable {
    /// The prefix that separates deployments sharing one Redis.
    public let namespace: String
    /// How many partitions (hash tags) the key space is split into; 1 on a single Redis.
    public let partitions: Int

    /// - Throws: `TransportError.invalidArgument` for an empty namespace or one holding `{`, `}` or `|`.
    public init(namespace: String = "infinitic", partitions: Int = 1) throws {
        guard !namespace.isEmpty, !namespace.utf8.contains(where: { "{}|".utf8.contains($0) }) else {
            throw TransportError(.invalidArgument, "namespace '\(namespace)' must be non-empty without '{', '}' or '|'")
        }
        guard partitions >= 1 && partitions <= 16384 else {
            throw TransportError(.invalidArgument, "partitions must be between 1 and 16384, got \(partitions)")
        }
        self.namespace = namespace
        self.partitions = partitions
    }

    /// The partition of a routing key (FNV-1a 64 modulo the partition count); a random one for no key.
    public func partition(for routingKey: String?) -> Int {
        guard partitions > 1 else { return 0 }
        guard let routingKey else { return Int.random(in: 0..<partitions) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in routingKey.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0100_0000_01b3
        }
        return Int(hash % UInt64(partitions))
    }

    private func prefix(_ partition: Int, _ kind: String) -> String {
        "\(namespace):{\(partition)}:\(kind):"
    }

    /// The stream holding a topic's messages.
    /// A prefix for the throwaway keys of one start-up permission check (see `PermissionCheck`).
    var permissionProbePrefix: String {
        prefix(0, "acl-probe") + String(UInt64.random(in: 0...UInt64.max), radix: 36) + ":"
    }

    public func stream(_ topic: Topic, partition: Int) -> String {
        prefix(partition, "stream") + topic.name
    }

    /// The sorted set of a topic's scheduled messages (publication ids), scored by due time (ms since 1970).
    public func scheduled(_ topic: Topic, partition: Int) -> String {
        prefix(partition, "scheduled") + topic.name
    }

    /// The hash holding the fields of a topic's scheduled messages, by publication id.
    public func scheduledData(_ topic: Topic, partition: Int) -> String {
        prefix(partition, "scheduled-data") + topic.name
    }

    /// The stream of a topic's dead letters.
    public func deadLetters(_ topic: Topic, partition: Int) -> String {
        prefix(partition, "dead") + topic.name
    }

    /// The prefix of a group's key locks on a keyed topic; the message key is appended.
    public func lockPrefix(_ topic: Topic, group: String, partition: Int) -> String {
        prefix(partition, "lock") + "\(topic.name)|\(group)|"
    }

    /// The prefix of a group's parked-message lists on a keyed topic; the message key is appended.
    public func parkPrefix(_ topic: Topic, group: String, partition: Int) -> String {
        prefix(partition, "park") + "\(topic.name)|\(group)|"
    }

    /// The partition of a state key: that of its partition key, else of its name.
    public func partition(of key: StateKey) -> Int {
        partition(for: key.partitionKey ?? key.name)
    }

    /// A versioned value of the state store (a hash with fields `v`, the version, and `d`, the data).
    public func state(_ key: StateKey) -> String {
        prefix(partition(of: key), "state") + key.name
    }

    /// The prefix of the state store's keys in `partition` (a state key name is appended).
    public func statePrefix(partition: Int) -> String {
        prefix(partition, "state")
    }

    /// A set of the state store.
    public func set(_ key: StateKey) -> String {
        prefix(partition(of: key), "set") + key.name
    }

    /// What each partition's stream of a retained topic keeps (`Topic.retainedEntries` is for the whole topic,
    /// whose entries spread over the partitions).
    public func retainedPerPartition(_ topic: Topic) -> Int? {
        topic.retainedEntries.map { max(1, ($0 + partitions - 1) / partitions) }
    }

    /// Checks that a topic or group name fits the layout.
    func validate(name: String, what: String) throws {
        guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: "|")) else {
            throw TransportError(.invalidArgument, "\(what) '\(name)' must be non-empty without '|'")
        }
    }
}
