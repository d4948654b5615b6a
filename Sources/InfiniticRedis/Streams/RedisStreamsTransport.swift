import Foundation
import InfiniticTransport
import Logging
import ServiceLifecycle
import Synchronization

/// The production `Transport`: Redis Streams through hiredis, with the six broker guarantees.
///
/// - A topic is one stream per partition, read by one consumer group per role (`XREADGROUP`).
/// - Keyed topics take a per-key lock when an entry is read (in the same script that reads it, so stream
///   order decides); an entry whose key is busy is parked and handed over when the holder commits.
/// - Scheduled messages wait in a sorted set per topic; consumers move due ones atomically.
/// - Live consumers renew their entries and locks, from a thread of their own (`RenewalThread`: handlers keeping
///   the cooperative pool busy do not make them look dead); entries of silent consumers are reclaimed after the
///   visibility timeout, with the rest of their key's batch, and dead-lettered after `maxDeliveries`.
/// - A handler's outcome (acknowledgement, state writes, messages) is one atomic script call, batched with
///   concurrent ones (group commit).
public final class RedisStreamsTransport: Transport {
    public let configuration: RedisStreamsConfiguration
    /// The pool the transport uses (also usable for inspection).
    public let client: RedisClient
    /// Renews what this transport's consumers hold, from a thread of its own.
    let renewals = RenewalThread()
    private let logger: Logger
    private let publishers = Mutex<[Int: CommitBatcher]>([:])
    /// Whether immediate publishes are followed by `WAITAOF` (`PublishDurability.fsynced` on Redis 7.2+).
    private let waitsForFsync = Atomic<Bool>(false)

    /// Connects (waiting for Redis up to `RedisStreamsConfiguration.startupRetryLimit`), checks the server (see
    /// `BrokerCheck`) and the user's permissions (`PermissionCheck`), and loads the scripts.
    public static func connect(
        configuration: RedisStreamsConfiguration, logger: Logger = .disabled("infinitic.redis-streams")
    ) async throws -> RedisStreamsTransport {
        let transport = RedisStreamsTransport(configuration: configuration, logger: logger)
        do {
            try await transport.waitForRedis()
            // First: the other checks run commands the ACL may refuse.
            if configuration.checksPermissions {
                try await PermissionCheck.verify(transport.client, keyspace: configuration.keyspace)
            }
            try await configuration.brokerCheck.verify(transport.client, logger: logger)
            let waits = try await configuration.publishDurability.verify(transport.client)
            transport.waitsForFsync.store(waits, ordering: .relaxed)
            try await transport.client.loadScripts()
        } catch {
            transport.close()
            throw error
        }
        return transport
    }

    /// Pings Redis until it answers (reachable, its data loaded), with backoff, for at most `startupRetryLimit`.
    private func waitForRedis() async throws {
        let url = configuration.redis.redactedURL
        let start = ContinuousClock.now
        var failures = 0
        while true {
            do {
                try await client.ping()
                if failures > 0 { logger.info("reached Redis at \(url)") }
                return
            } catch let error as RedisError where error.code == .authenticationFailed || error.code == .noPermission {
                throw TransportError(
                    .unauthorized, "Redis at \(url) refused the connection's credentials: \(error.message)",
                    underlying: error)
            } catch let error as RedisError where error.serverErrorPrefix == "NOPERM" {
                throw TransportError(
                    .unauthorized, "the Redis user of \(url) may not run ping: \(error.message)", underlying: error)
            } catch let error as RedisError where error.isConnectionError || error.serverErrorPrefix == "LOADING" {
                // Not reachable yet, or restarted and still loading its data (`LOADING`): wait for it.
                failures += 1
                let waited = start.duration(to: .now)
                let left = configuration.startupRetryLimit - waited
                guard left > .zero else {
                    throw TransportError(
                        .unavailable,
                        "cannot reach Redis at \(url) (tried \(failures) times for \(waited)): \(error.message)",
                        underlying: error)
                }
                let pause = min(.milliseconds(100) * (1 << min(failures, 6)), .seconds(5), left)
                logger.warning(
                    "cannot reach Redis at \(url) yet, retrying in \(pause)", metadata: [LogKeys.error: "\(error)"])
                try await Task.sleep(for: pause)
            }
        }
    }

    /// Creates the transport without touching Redis (connections open on first use).
    public init(configuration: RedisStreamsConfiguration, logger: Logger = .disabled("infinitic.redis-streams")) {
        self.configuration = configuration
        self.logger = logger
        client = RedisClient(configuration: configuration.redis, logger: logger)
        client.register(StreamScripts.all)
    }

    deinit {
        renewals.stop()
    }

    /// Closes the connections and ends the renewal thread; consumers still running fail.
    public func close() {
        renewals.stop()
        client.close()
    }

    public var keyspace: RedisKeyspace { configuration.keyspace }

    // MARK: - Publishing

    /// Immediate messages are plain `XADD`s sent as one pipeline; scheduled ones go through the commit
    /// script (one call per partition) so that their sorted set and data stay consistent.
    public func publish(_ messages: [OutgoingMessage]) async throws {
        if messages.isEmpty { return }
        let publication = try self.publication(of: messages)
        guard publication.scheduled.isEmpty else { return try await publishScheduling(publication) }
        if !publication.appended.isEmpty { try await sendAppends(of: publication) }
    }

    /// The commands that publish messages: appends to streams, in one pipeline, and the scheduling commits of
    /// those delivered later, by partition.
    private struct Publication {
        var appends = RedisPipeline()
        var appended: [RedisPipeline.Slot<XADD>] = []
        var expiries: [RedisPipeline.Slot<PEXPIRE>] = []
        var scheduled: [Int: [CommitOp]] = [:]
    }

    /// The publication of `messages` (kept out of `publish`'s async frame, allocated at every call).
    @inline(never)
    private func publication(of messages: [OutgoingMessage]) throws -> Publication {
        let publishedAt = Array(String(StreamEntry.milliseconds(Date())).utf8)
        var publication = Publication()
        for message in messages {
            try keyspace.validate(name: message.topic.name, what: "topic")
            if let problem = Self.sizeProblem(of: message, limit: configuration.maxMessageBytes) {
                throw TransportError(.messageTooLarge, problem)
            }
            // Without a routing key, the publication id picks the partition: a message published twice lands
            // in one partition, where its scheduled copy is deduplicated.
            let partition = keyspace.partition(for: message.routingKey ?? message.id)
            if message.delivery.isImmediate {
                let stream = keyspace.stream(message.topic, partition: partition)
                var fields: [RedisStreamEntry.Field] = []
                if let key = message.key { fields.append(RedisStreamEntry.Field(StreamEntry.key, key)) }
                fields.append(RedisStreamEntry.Field(StreamEntry.payload, message.payload))
                fields.append(RedisStreamEntry.Field(StreamEntry.publishedAt, publishedAt))
                publication.appended.append(
                    publication.appends.append(
                        XADD(stream, fields: fields, maxLength: keyspace.retainedPerPartition(message.topic))))
                if let idle = message.topic.expiresAfterIdle {
                    publication.expiries.append(publication.appends.append(PEXPIRE(stream, after: idle)))
                }
            } else {
                publication.scheduled[partition, default: []].append(
                    Self.op(for: message, keyspace: keyspace, partition: partition))
            }
        }
        return publication
    }

    /// Sends the publication's appends (and waits for their fsync when asked).
    private func sendAppends(of publication: Publication) async throws {
        var appends = publication.appends
        // On the connection of the writes, so it waits for their fsync.
        let fsync = waitsForFsync.load(ordering: .relaxed) ? appends.append(WAITAOF()) : nil
        let replies = try await sendRetryingConnectionErrors(appends)
        for slot in publication.appended { _ = try replies[slot] }
        for slot in publication.expiries { _ = try replies[slot] }
        if let fsync, try replies[fsync].local < 1 {
            throw TransportError(.unavailable, "Redis did not fsync the published messages to its AOF")
        }
    }

    /// Commits the scheduling of the publication's later deliveries, one commit per partition, beside its appends
    /// (a task group: kept out of `publish`'s async frame).
    @inline(never)
    private func publishScheduling(_ publication: Publication) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (partition, ops) in publication.scheduled {
                let publisher = publisher(for: partition)
                group.addTask { _ = try await publisher.commit(CommitRequest(ops: ops)) }
            }
            if !publication.appended.isEmpty { try await sendAppends(of: publication) }
            try await group.waitForAll()
        }
    }

    /// Sends `pipeline`, sending it again while the connection fails (a Redis restarting, a cluster failing over)
    /// for up to `configuration.publishRetryLimit`. A lost reply may mean the messages were appended: they are
    /// then published twice, which consumers tolerate (at least once, deduplicated by message id).
    private func sendRetryingConnectionErrors(_ pipeline: RedisPipeline) async throws -> RedisPipeline.Replies {
        let deadline = ContinuousClock.now + configuration.publishRetryLimit
        var failures = 0
        while true {
            do {
                return try await client.send(pipeline)
            } catch let error as RedisError where error.isConnectionError && ContinuousClock.now < deadline {
                failures += 1
                logger.warning("publishing failed, retrying", metadata: [LogKeys.error: "\(error)"])
                try await Task.sleep(for: min(.milliseconds(25) * (1 << min(failures, 6)), .seconds(1)))
            }
        }
    }

    /// Why `message` is too large to publish, or nil.
    static func sizeProblem(of message: OutgoingMessage, limit: Int) -> String? {
        if message.payload.count > limit {
            return "a message of \(message.payload.count) bytes to \(message.topic.name) is larger than the limit of "
                + "\(limit) bytes (RedisStreamsConfiguration.maxMessageBytes)"
        }
        if let key = message.key, key.utf8.count > RedisStreamsConfiguration.maxKeyBytes {
            return "a message key of \(key.utf8.count) bytes to \(message.topic.name) is longer than the limit of "
                + "\(RedisStreamsConfiguration.maxKeyBytes) bytes"
        }
        return nil
    }

    private func publisher(for partition: Int) -> CommitBatcher {
        publishers.withLock { publishers in
            if let existing = publishers[partition] { return existing }
            let anyKeyOfPartition = keyspace.stream(Topic("_publish"), partition: partition)
            let batcher = CommitBatcher(
                context: .init(
                    topic: Topic("_publish"), partition: partition, stream: anyKeyOfPartition, group: "_",
                    consumer: "_",
                    lockTTLMilliseconds: 0, shared: false),
                client: client, maxBatch: configuration.maxCommitBatch)
            publishers[partition] = batcher
            return batcher
        }
    }

    /// The commit op that stores `message` in `partition`: appended to its stream, or scheduled.
    static func op(
        for message: OutgoingMessage, keyspace: RedisKeyspace, partition: Int, attempts: Int = 0,
        publishedAt: Date? = nil
    ) -> CommitOp {
        var fields: [EntryField] = []
        if let key = message.key { fields.append(EntryField(StreamEntry.key, key)) }
        fields.append(EntryField(StreamEntry.payload, message.payload))
        fields.append(EntryField(StreamEntry.publishedAt, String(StreamEntry.milliseconds(publishedAt ?? Date()))))
        if attempts > 0 { fields.append(EntryField(StreamEntry.attempts, String(attempts))) }
        if message.delivery.isImmediate {
            return .append(
                stream: keyspace.stream(message.topic, partition: partition), fields: fields,
                expireAfterMilliseconds: message.topic.expiresAfterIdle.map(\.redisMilliseconds),
                maxLength: keyspace.retainedPerPartition(message.topic))
        }
        let due: CommitOp.Due =
            switch message.delivery {
            case .at(let date): .at(milliseconds: StreamEntry.milliseconds(date))
            case .after(let delay): .after(milliseconds: delay.redisMilliseconds)
            case .now: .after(milliseconds: 0)
            }
        return .schedule(
            set: keyspace.scheduled(message.topic, partition: partition),
            data: keyspace.scheduledData(message.topic, partition: partition),
            stream: keyspace.stream(message.topic, partition: partition), id: message.id, due: due, fields: fields)
    }

    // MARK: - Consuming

    public func consume(_ subscription: Subscription, batchHandler handler: @escaping BatchHandler) async throws {
        try keyspace.validate(name: subscription.topic.name, what: "topic")
        try keyspace.validate(name: subscription.group, what: "group")
        let consumers = (0..<keyspace.partitions).map { partition in
            PartitionConsumer(
                subscription: subscription, partition: partition, client: client, configuration: configuration,
                handler: handler, publish: { [weak self] messages in try await self?.publish(messages) },
                renewals: renewals, logger: logger)
        }
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for consumer in consumers {
                    group.addTask { try await consumer.run() }
                }
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            for consumer in consumers { consumer.stop() }
        }
    }

    // MARK: - State

    public func read(_ key: StateKey) async throws -> VersionedValue? {
        let values = try await client.send(HMGET(keyspace.state(key), fields: ["v", StateFields.blobField]))
        guard let version = values[0].flatMap(StreamEntry.integer) else { return nil }
        return VersionedValue(bytes: values[1] ?? [], version: version)
    }

    public func read(_ key: StateKey, fields: [String]?) async throws -> StateFields? {
        let redisKey = keyspace.state(key)
        guard let fields else {
            var all = try await client.send(HGETALL(redisKey))
            guard let version = all.removeValue(forKey: "v").flatMap(StreamEntry.integer) else { return nil }
            // The consumer that wrote it last (see the commit script) is not a field of the value.
            all["w"] = nil
            return StateFields(version: version, fields: all, isComplete: true)
        }
        let values = try await client.send(HMGET(redisKey, fields: ["v"] + fields))
        guard let version = values[0].flatMap(StreamEntry.integer) else { return nil }
        var found: [String: [UInt8]] = [:]
        for (name, value) in zip(fields, values.dropFirst()) {
            if let value { found[name] = value }
        }
        return StateFields(version: version, fields: found, isComplete: false)
    }

    public func members(of key: StateKey) async throws -> Set<String> {
        try await client.send(SMEMBERS(keyspace.set(key)))
    }

    public func deleteTopic(_ topic: Topic) async throws {
        // One DEL per partition: a partition's keys share a slot, different partitions may not (on a cluster).
        var deletes = RedisPipeline()
        var slots: [RedisPipeline.Slot<DEL>] = []
        for partition in 0..<keyspace.partitions {
            slots.append(
                deletes.append(
                    DEL([
                        keyspace.stream(topic, partition: partition), keyspace.scheduled(topic, partition: partition),
                        keyspace.scheduledData(topic, partition: partition),
                    ])))
        }
        let replies = try await client.send(deletes)
        for slot in slots { _ = try replies[slot] }
    }

    /// Consumer groups are created by the consumers of a topic when they start (on every partition's stream) and
    /// stay when they stop: the groups of the first partition's stream are the registry of what was ever served.
    public func hasSubscribers(_ topic: Topic) async throws -> Bool? {
        do {
            return try await !client.send(XINFO.GROUPS(keyspace.stream(topic, partition: 0))).isEmpty
        } catch let error as RedisError where error.message.contains("no such key") {
            return false
        }
    }

    /// The group's pending entries and lag (`XINFO GROUPS`) summed over the topic's partitions: nil when the
    /// group reads none of them yet. Parked messages of a busy key and scheduled ones are not counted; lag is
    /// nil when Redis cannot compute it for a partition (after some deletions).
    public func backlog(of topic: Topic, group: String) async throws -> ConsumerBacklog? {
        // One pipeline over the partitions (one round trip per master on a cluster).
        var pipeline = RedisPipeline()
        var slots: [RedisPipeline.Slot<XINFO.GROUPS>] = []
        for partition in 0..<keyspace.partitions {
            slots.append(pipeline.append(XINFO.GROUPS(keyspace.stream(topic, partition: partition))))
        }
        let replies = try await client.send(pipeline)
        var total: ConsumerBacklog?
        /// A partition's groups; nil when its stream does not exist.
        func groups(_ slot: RedisPipeline.Slot<XINFO.GROUPS>) throws(RedisError) -> [XINFO.GROUPS.Group]? {
            do {
                return try replies[slot]
            } catch  where error.message.contains("no such key") {
                return nil
            }
        }
        for slot in slots {
            guard let found = try groups(slot)?.first(where: { $0.name == group }) else { continue }
            var sum = total ?? ConsumerBacklog(pending: 0, lag: 0)
            sum.pending += found.pending
            sum.lag = sum.lag.flatMap { lag in found.lag.map { lag + $0 } }
            total = sum
        }
        return total
    }

    public func deadLetters(of topic: Topic, limit: Int) async throws -> [DeadLetter] {
        var letters: [DeadLetter] = []
        for partition in 0..<keyspace.partitions {
            let entries = try await client.send(
                XRANGE(keyspace.deadLetters(topic, partition: partition), count: limit))
            for entry in entries {
                func text(_ name: String) -> String? {
                    entry.value(of: name).map { String(decoding: $0, as: UTF8.self) }
                }
                letters.append(
                    DeadLetter(
                        id: entry.id, originalID: text("original-id") ?? "", topic: topic, group: text("group") ?? "",
                        key: text(StreamEntry.key), payload: entry.value(of: StreamEntry.payload) ?? [],
                        reason: text("reason") ?? "", deliveryCount: Int(text("deliveries") ?? "") ?? 0,
                        deadAt: Date(timeIntervalSince1970: (Double(text("dead-at") ?? "") ?? 0) / 1000)))
            }
        }
        return Array(letters.sorted { $0.deadAt < $1.deadAt }.prefix(limit))
    }
}
