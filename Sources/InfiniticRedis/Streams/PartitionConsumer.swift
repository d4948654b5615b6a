import Foundation
import InfiniticTransport
import Logging
import Synchronization

/// One consumer of one subscription on one partition's stream: reads, runs handlers with bounded
/// concurrency, commits their outcomes, and in the background of its loop moves due scheduled messages,
/// reclaims entries of dead consumers, renews what it holds and trims shared streams.
final class PartitionConsumer: Sendable {
    /// The PEL owner of parked entries (see `LuaPrelude`).
    static let parkedConsumer = "~parked"

    let subscription: Subscription
    let partition: Int
    let stream: String
    let scheduled: String
    let scheduledData: String
    let dead: String
    let lockPrefix: String
    let parkPrefix: String
    /// What keyed reads prefetch, and its Redis key prefix ('' for none).
    let prefetch: StatePrefetch?
    let statePrefix: String

    private let client: RedisClient
    private let configuration: RedisStreamsConfiguration
    private let handler: BatchHandler
    private let publish: @Sendable ([OutgoingMessage]) async throws -> Void
    private let logger: Logger
    private let permits: Permits
    private let committer: CommitBatcher
    private let blocking: RedisConnection
    /// Entries being handled: id -> key (for renewal).
    private let inFlight = Mutex<[String: String?]>([:])
    /// Set by `stop()`: no new read starts, and a blocking read not yet sent is not sent.
    private let stopping = CancelFlag()
    /// Calls `renewNow` while the consumer runs.
    private let renewals: RenewalThread
    /// A renewal was sent and has no reply yet.
    private let renewing = Atomic(false)
    /// The renewal's job on `renewals`, while the consumer runs (nil once it ended: no renewal starts after).
    private let renewalJob = Mutex<Int?>(nil)

    init(
        subscription: Subscription, partition: Int, client: RedisClient, configuration: RedisStreamsConfiguration,
        handler: @escaping BatchHandler, publish: @escaping @Sendable ([OutgoingMessage]) async throws -> Void,
        renewals: RenewalThread, logger: Logger
    ) {
        self.renewals = renewals
        let keyspace = configuration.keyspace
        let topic = subscription.topic
        self.subscription = subscription
        self.partition = partition
        self.stream = keyspace.stream(topic, partition: partition)
        self.scheduled = keyspace.scheduled(topic, partition: partition)
        self.scheduledData = keyspace.scheduledData(topic, partition: partition)
        self.dead = keyspace.deadLetters(topic, partition: partition)
        self.lockPrefix = keyspace.lockPrefix(topic, group: subscription.group, partition: partition)
        self.parkPrefix = keyspace.parkPrefix(topic, group: subscription.group, partition: partition)
        let prefetch = topic.isKeyed ? subscription.prefetch : nil
        self.prefetch = prefetch
        self.statePrefix = prefetch.map { keyspace.statePrefix(partition: partition) + $0.namePrefix } ?? ""
        self.client = client
        self.configuration = configuration
        self.handler = handler
        self.publish = publish
        var logger = logger
        logger[metadataKey: LogKeys.topic] = "\(topic.name)"
        logger[metadataKey: LogKeys.group] = "\(subscription.group)"
        logger[metadataKey: LogKeys.partition] = "\(partition)"
        self.logger = logger
        self.permits = Permits(subscription.concurrency)
        self.committer = CommitBatcher(
            context: .init(
                topic: topic, partition: partition, stream: stream, group: subscription.group,
                consumer: subscription.consumer,
                lockTTLMilliseconds: subscription.lockTimeToLive.redisMilliseconds,
                shared: topic.isShared, prefetch: prefetch, statePrefix: statePrefix,
                keyBatchSize: topic.isKeyed ? subscription.keyBatchSize : 1),
            client: client, maxBatch: configuration.maxCommitBatch)
        self.blocking = client.makeBlockingConnection(
            longestBlock: configuration.longestBlock, name: "redis-read-\(topic.name)-\(partition)")
    }

    deinit {
        blocking.close()
    }

    /// Stops reading (running handlers finish) and interrupts a blocked read.
    func stop() {
        stopping.set()
        client.unblock(blocking)
    }

    private var isStopping: Bool { stopping.isSet || Task.isCancelled }

    /// Runs until `stop()` or cancellation, then waits for running handlers.
    func run() async throws {
        try await ensureGroup()
        if let idle = subscription.topic.expiresAfterIdle {
            try await client.send(PEXPIRE(stream, after: idle))
        }
        if subscription.topic.isKeyed && subscription.lockTimeToLive < subscription.visibilityTimeout * 2 {
            logger.warning(
                """
                the lock TTL (\(subscription.lockTimeToLive)) is not well above the visibility timeout \
                (\(subscription.visibilityTimeout)): a dead holder's key may be free before its message is \
                reclaimed, and a later message of that key run first (the default TTL is five times the timeout)
                """)
        }
        // Renew well before either the visibility timeout or the lock TTL runs out.
        let period = min(subscription.visibilityTimeout, subscription.lockTimeToLive) / 3
        renewalJob.withLock { $0 = renewals.schedule(every: period) { [self] in renewNow() } }
        await withDiscardingTaskGroup { handlers in
            await readLoop { batch, permits in
                handlers.addTask { await self.handle(batch, permits: permits) }
            }
        }
        await endRenewals()
        await releaseUnfinished()
        blocking.close()
    }

    /// Creates the consumer group (reading from the start of the stream) unless it exists. Waits for Redis
    /// while it cannot be reached, so a worker may start before its Redis.
    private func ensureGroup() async throws {
        let create = XGROUP.CREATE(stream, group: subscription.group, after: "0", makeStream: true)
        var failures = 0
        while true {
            do {
                try await client.send(create)
                return
            } catch let error as RedisError where error.serverErrorPrefix == "BUSYGROUP" {
                return  // The group exists: this consumer joins it.
            } catch let error as RedisError where error.isConnectionError && !isStopping {
                failures += 1
                logger.warning("cannot reach Redis, waiting", metadata: [LogKeys.error: "\(error)"])
                try await Task.sleep(for: min(.milliseconds(100) * (1 << min(failures, 6)), .seconds(5)))
            }
        }
    }

    // MARK: - Reading

    private func readLoop(spawn: (MessageBatch, Int) -> Void) async {
        let visibility = subscription.visibilityTimeout
        var reclaimCursor = "0-0"
        var nextReclaim = ContinuousClock.now
        /// New entries are read only once a first reclaim pass went through the whole pending list: after the
        /// fleet was down longer than the lock TTL, a dead holder's key is free, and a new entry of that key read
        /// before its lost entry was taken back would run first.
        var scannedPending = !subscription.topic.isKeyed
        var nextMove = ContinuousClock.now
        var nextTrim = ContinuousClock.now
        /// Removing idle consumers waits a pass: at start, those of a process that just died are not idle yet.
        let hygienePeriod = configuration.idleConsumerRemoval.map { min(max($0 / 2, .milliseconds(50)), .seconds(300)) }
        var nextHygiene = ContinuousClock.now + (hygienePeriod ?? .zero)
        /// Trim passes still worth running: reset when entries are read (or a pass trims something or handlers
        /// still run), so an idle shared stream is not trimmed every second for nothing.
        var trimRounds = 0
        var failures = 0

        while !isStopping {
            let slots = await permits.acquire(upTo: subscription.batchSize)
            if slots == 0 { break }
            if isStopping {
                permits.release(slots)
                break
            }
            var messages: [ReceivedMessage] = []
            do {
                var now = ContinuousClock.now
                if now >= nextMove {
                    // Checked again at the next due time, when a wake marker says the schedule changed, or after
                    // the scheduler interval at the latest.
                    let untilNext = try await moveDueMessages()
                    nextMove = now + min(subscription.schedulerInterval, untilNext ?? subscription.schedulerInterval)
                }
                if now >= nextReclaim {
                    let (reclaimed, cursor) = try await reclaim(cursor: reclaimCursor, count: slots)
                    messages += notHandledHere(reclaimed)
                    reclaimCursor = cursor
                    nextReclaim = now + (cursor == "0-0" ? visibility / 2 : .zero)
                    if cursor == "0-0" { scannedPending = true }
                }
                // A retained topic is trimmed by length when appended to, not by acknowledgements.
                let trimsAcknowledged = subscription.topic.isShared && subscription.topic.retainedEntries == nil
                if trimsAcknowledged && now >= nextTrim {
                    // Trimming only matters once something was read (and so may have been acknowledged).
                    if trimRounds > 0 {
                        let trimmed = try await client.send(StreamScripts.trimAcknowledged.call(keys: [stream]))
                        let handling = !inFlight.withLock { $0.isEmpty }
                        trimRounds = (trimmed.int ?? 0) > 0 || handling ? 3 : trimRounds - 1
                    }
                    nextTrim = now + .seconds(1)
                }
                if let idle = configuration.idleConsumerRemoval, let hygienePeriod, now >= nextHygiene {
                    await removeIdleConsumers(idleFor: idle)
                    nextHygiene = now + hygienePeriod
                }
                if messages.count < slots && scannedPending {
                    now = ContinuousClock.now
                    var wakeAt = min(nextMove, nextReclaim)
                    if configuration.idleConsumerRemoval != nil { wakeAt = min(wakeAt, nextHygiene) }
                    if trimsAcknowledged && trimRounds > 0 { wakeAt = min(wakeAt, nextTrim) }
                    let wait = messages.isEmpty ? min(configuration.longestBlock, now.duration(to: wakeAt)) : .zero
                    let (new, woken) = try await readNew(count: slots - messages.count, wait: wait)
                    messages += new
                    if woken { nextMove = ContinuousClock.now }
                }
                if !messages.isEmpty { trimRounds = 3 }
                failures = 0
            } catch {
                if isStopping {
                    permits.release(slots)
                    break
                }
                failures += 1
                permits.release(slots)
                if let redisError = error as? RedisError, redisError.serverErrorPrefix == "NOGROUP" {
                    // The stream or its group vanished (deleted, or lost by a Redis without persistence):
                    // recreate them and go on.
                    logger.warning("the consumer group is gone, recreating it", metadata: [LogKeys.error: "\(error)"])
                    try? await ensureGroup()
                    continue
                }
                let pause = min(Duration.milliseconds(50) * (1 << min(failures, 7)), .seconds(5))
                logger.warning("read failed, retrying in \(pause)", metadata: [LogKeys.error: "\(error)"])
                try? await Task.sleep(for: pause)
                continue
            }
            // Each batch holds a permit per message it was read with (hand-overs beyond the slots hold none).
            var unused = slots
            for batch in Self.batches(messages, keyed: subscription.topic.isKeyed) {
                track(batch)
                let held = min(unused, batch.messages.count)
                unused -= held
                spawn(batch, held)
            }
            permits.release(unused)
        }
    }

    /// Groups entries read together into batches: on keyed topics the scripts only return several entries of
    /// one key when they form a batch (the lock is held for all of them), so they are grouped by key, oldest
    /// first; otherwise one entry per batch.
    static func batches(_ messages: [ReceivedMessage], keyed: Bool) -> [MessageBatch] {
        guard keyed else { return messages.map { MessageBatch([$0]) } }
        var order: [String] = []
        var byKey: [String: [ReceivedMessage]] = [:]
        var batches: [MessageBatch] = []
        for message in messages {
            guard let key = message.key else {
                batches.append(MessageBatch([message]))
                continue
            }
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(message)
        }
        return batches + order.map { MessageBatch(byKey[$0]!) }
    }

    /// Of entries a reclaim pass took back, those this consumer is not handling already: one still handled here
    /// (its renewal came after the visibility timeout) is left to the run under way, not run a second time.
    private func notHandledHere(_ messages: [ReceivedMessage]) -> [ReceivedMessage] {
        if messages.isEmpty { return messages }
        return inFlight.withLock { held in messages.filter { held[$0.id] == nil } }
    }

    /// Stops renewing a batch's entries.
    private func untrack(_ batch: MessageBatch) {
        inFlight.withLock { held in
            for message in batch.messages { held[message.id] = nil }
        }
    }

    /// Records a batch as in flight (renewed while handled); only its first entry holds the key lock.
    private func track(_ batch: MessageBatch) {
        inFlight.withLock { held in
            for (index, message) in batch.messages.enumerated() { held[message.id] = index == 0 ? message.key : nil }
        }
    }

    /// Reads new entries; blocks up to `wait` when there are none (no block if `wait` is zero). `woken` tells
    /// that a wake marker was read: a scheduled message became the soonest due, look at the schedule now.
    private func readNew(count: Int, wait: Duration) async throws -> (messages: [ReceivedMessage], woken: Bool) {
        let block = wait.redisMilliseconds
        if subscription.topic.isKeyed {
            var read = RedisCommand.argumentList()
            read.append(contentsOf: [subscription.group, subscription.consumer, String(count)])
            read.append(subscription.lockTimeToLive.redisMilliseconds)
            read.append(contentsOf: [lockPrefix, parkPrefix, Self.parkedConsumer, statePrefix])
            read.append(committer.context.prefetchSpec)
            read.append(committer.context.keyBatchSize)
            read.append(subscription.topic.isShared ? "1" : "0")
            read.append(configuration.maxMessageBytes)
            read.append(RedisStreamsConfiguration.maxKeyBytes)
            let reply = try await client.send(StreamScripts.readKeyed.call(keys: [stream, dead], arguments: read))
            guard let parts = reply.array, parts.count == 3, let entries = parts[0].array else {
                throw reply.unexpected("{entries, last id, woken}", command: "read-keyed")
            }
            let messages = try entries.map {
                try StreamEntry.decodeScriptEntry(
                    $0, topic: subscription.topic, partition: partition, prefetch: prefetch)
            }
            let woken = parts[2].int == 1
            if messages.isEmpty, !woken, block > 0, let lastID = parts[1].string {
                // Nothing new: wait for an entry after the group's last delivered id, without consuming.
                _ = try await client.blockingSend(
                    XREAD(stream, after: lastID, count: 1, block: wait), on: blocking, stop: stopping)
            }
            return (messages, woken)
        }
        let read = XREADGROUP(
            group: subscription.group, consumer: subscription.consumer, stream: stream, count: count,
            block: block > 0 ? wait : nil)
        let entries =
            block > 0
            ? try await client.blockingSend(read, on: blocking, stop: stopping) : try await client.send(read)
        var messages: [ReceivedMessage] = []
        var markers: [String] = []
        for entry in entries {
            if StreamEntry.isWakeMarker(entry) {
                markers.append(entry.id)
            } else if let reason = StreamEntry.invalidReason(entry, maxPayload: configuration.maxMessageBytes) {
                try await deadLetterInvalid(entry, reason: reason)
            } else {
                messages.append(try StreamEntry.message(from: entry, topic: subscription.topic, partition: partition))
            }
        }
        if !markers.isEmpty { await committer.acknowledge(markers) }
        return (messages, !markers.isEmpty)
    }

    /// Sends an entry that is not of this format to the dead letters (and acknowledges it) without handling it.
    private func deadLetterInvalid(_ entry: RedisStreamEntry, reason: String) async throws {
        logger.warning(
            "dead-lettering an invalid entry", metadata: [LogKeys.id: "\(entry.id)", LogKeys.reason: "\(reason)"])
        let fields = StreamEntry.deadLetterFields(
            of: entry, deliveries: 1, reason: "invalid entry: \(reason)", group: subscription.group,
            maxPayload: configuration.maxMessageBytes)
        _ = try await commitRetryingConnectionErrors(
            CommitRequest(entryIDs: [entry.id], ops: [.append(stream: dead, fields: fields)]))
    }

    /// Moves due scheduled messages into the stream; returns the time until the next one, if any.
    private func moveDueMessages() async throws -> Duration? {
        var move = RedisCommand.argumentList()
        move.append(1000)
        let reply = try await client.send(
            StreamScripts.moveDue.call(keys: [scheduled, scheduledData, stream, dead], arguments: move))
        guard let parts = reply.array, parts.count == 2, let moved = parts[0].int, let next = parts[1].int else {
            throw reply.unexpected("{moved, next}", command: "move-due")
        }
        if moved > 0 { logger.trace("moved \(moved) due scheduled messages") }
        if moved >= 1000 { return .zero }
        return next < 0 ? nil : .milliseconds(next)
    }

    private func reclaim(cursor: String, count: Int) async throws -> ([ReceivedMessage], String) {
        var reclaim = RedisCommand.argumentList()
        reclaim.append(contentsOf: [subscription.group, subscription.consumer])
        reclaim.append(subscription.visibilityTimeout.redisMilliseconds)
        reclaim.append(count)
        reclaim.append(cursor)
        reclaim.append(subscription.maxDeliveries)
        reclaim.append(subscription.topic.isKeyed ? "1" : "0")
        reclaim.append(subscription.lockTimeToLive.redisMilliseconds)
        reclaim.append(contentsOf: [lockPrefix, parkPrefix, Self.parkedConsumer])
        reclaim.append(subscription.topic.isShared ? "1" : "0")
        reclaim.append(statePrefix)
        reclaim.append(committer.context.prefetchSpec)
        reclaim.append(committer.context.keyBatchSize)
        reclaim.append(configuration.maxMessageBytes)
        reclaim.append(RedisStreamsConfiguration.maxKeyBytes)
        let reply = try await client.send(StreamScripts.reclaim.call(keys: [stream, dead], arguments: reclaim))
        guard let parts = reply.array, parts.count == 2, let entries = parts[0].array, let next = parts[1].string else {
            throw reply.unexpected("{entries, cursor}", command: "reclaim")
        }
        let messages = try entries.map {
            try StreamEntry.decodeScriptEntry(
                $0, topic: subscription.topic, partition: partition, prefetch: prefetch)
        }
        if !messages.isEmpty {
            logger.info("reclaimed \(messages.count) messages from silent consumers or freed keys")
        }
        return (messages, next)
    }

    // MARK: - Handling

    private func handle(_ first: MessageBatch, permits held: Int) async {
        defer { permits.release(held) }
        var next: MessageBatch? = first
        while let batch = next {
            next = nil
            // Nil: cancelled (stopping: `releaseUnfinished` hands the batch on), or its commit failed (left for a
            // reclaim pass after the visibility timeout, as a further delivery).
            guard let handedOver = await handleBatch(batch) else {
                if !isStopping { untrack(batch) }
                return
            }
            untrack(batch)
            if !handedOver.isEmpty {
                let following = MessageBatch(handedOver)
                track(following)
                next = following
            }
        }
    }

    /// Runs the handler and commits its decision. Returns nil if the batch was left unacknowledged
    /// (cancellation), else the parked messages handed over with the key (possibly none).
    private func handleBatch(_ batch: MessageBatch) async -> [ReceivedMessage]? {
        var conflicts = 0
        while true {
            // After a version conflict, the handler runs again on freshly read state, not the prefetched one, and
            // that run counts as one more delivery.
            let attempt = conflicts == 0 ? batch : Self.counting(batch, extraDeliveries: conflicts)
            guard var decision = await HandlerRunner.run(handler, attempt, maxDeliveries: subscription.maxDeliveries)
            else { return nil }
            if case .ack(let commit) = decision.disposition {
                if let problem = unsupported(commit) {
                    decision.disposition = .deadLetter(reason: problem)
                } else if hasRemoteMessages(commit) {
                    guard let published = await publishRemoteMessages(of: decision, batch: batch) else { return nil }
                    decision = published
                }
            }
            let request = makeRequest(attempt, decision)
            if request.isPlainAck {
                await committer.acknowledge(request.entryIDs)
                return []
            }
            let outcome: CommitOutcome
            do {
                outcome = try await commitRetryingConnectionErrors(request)
            } catch {
                if !isStopping { logCommitFailure(error, batch: batch) }
                return nil
            }
            switch outcome {
            case .applied(let handedOver):
                return handedOver
            case .conflict(let key):
                conflicts += 1
                switch await afterConflict(on: key, attempt: attempt, conflicts: conflicts) {
                case .runAgain: continue
                case .done(let handedOver): return handedOver
                }
            }
        }
    }

    // The rare paths of `handleBatch`, kept out of its async frame (allocated for every batch).

    /// A commit Redis refused (not a lost connection: those are retried), e.g. a state key of another type that
    /// someone wrote: the batch is left to be delivered again after the visibility timeout, and dead-lettered
    /// once it was delivered too often.
    @inline(never)
    private func logCommitFailure(_ error: any Error, batch: MessageBatch) {
        logger.error(
            "a commit failed; its messages will be delivered again after the visibility timeout",
            metadata: [LogKeys.id: "\(batch.messages.map(\.id))", LogKeys.error: "\(error)"])
    }

    /// Whether the commit publishes messages to other partitions.
    @inline(never)
    private func hasRemoteMessages(_ commit: Commit) -> Bool {
        commit.messages.contains(where: isRemote)
    }

    /// Whether `message` goes to another partition than this consumer's. A message without a routing key may go to
    /// any partition: it stays in this one (drawing a random partition here, once to pick and once to remove, could
    /// drop it).
    private func isRemote(_ message: OutgoingMessage) -> Bool {
        message.routingKey.map { configuration.keyspace.partition(for: $0) != partition } ?? false
    }

    /// Messages for other partitions cannot join the atomic step: publishes them first (at least once: if the
    /// commit then fails, the handler runs again and they may be sent twice) and returns the decision without
    /// them, or a retry if publishing failed. Nil when cancelled.
    @inline(never)
    private func publishRemoteMessages(of decision: BatchDisposition, batch: MessageBatch) async -> BatchDisposition? {
        guard case .ack(var commit) = decision.disposition else { return decision }
        do {
            try await publish(commit.messages.filter(isRemote))
            commit.messages.removeAll(where: isRemote)
            var published = decision
            published.disposition = .ack(commit)
            return published
        } catch {
            if Task.isCancelled { return nil }
            return HandlerRunner.resolve(
                BatchDisposition(
                    .retry(after: .milliseconds(100), reason: "publishing to other partitions failed: \(error)"),
                    deadLetters: decision.deadLetters),
                for: batch, maxDeliveries: subscription.maxDeliveries)
        }
    }

    private enum AfterConflict {
        /// Handle the batch again on fresh state.
        case runAgain
        /// The batch is settled (a delayed retry was committed): the messages handed over, or nil if it could not.
        case done([ReceivedMessage]?)
    }

    /// After the `conflicts`-th commit of `attempt` failed its version check on `key`: run it again, or after three
    /// runs in a row (or at the delivery limit) commit a delayed retry. Each run that conflicted counts as a
    /// delivery: a message that always conflicts reaches the delivery limit like one that always fails.
    @inline(never)
    private func afterConflict(on key: String, attempt: MessageBatch, conflicts: Int) async -> AfterConflict {
        logger.debug(
            "commit conflict, handling again",
            metadata: [LogKeys.key: "\(key)", LogKeys.id: "\(attempt.messages[0].id)"])
        let delivered = attempt.messages.map(\.deliveryCount).max() ?? 1
        guard conflicts >= 3 || delivered >= subscription.maxDeliveries else { return .runAgain }
        let retry = HandlerRunner.resolve(
            BatchDisposition(.retry(after: .milliseconds(100), reason: "state conflict on \(key)")),
            for: attempt, maxDeliveries: subscription.maxDeliveries)
        guard case .applied(let handedOver)? = try? await commitRetryingConnectionErrors(makeRequest(attempt, retry))
        else {
            return .done(nil)
        }
        return .done(handedOver)
    }

    /// `batch` without its prefetched state, each message counted as delivered `extraDeliveries` more times.
    static func counting(_ batch: MessageBatch, extraDeliveries: Int) -> MessageBatch {
        MessageBatch(
            batch.messages.map {
                ReceivedMessage(
                    id: $0.id, topic: $0.topic, key: $0.key, payload: $0.payload,
                    deliveryCount: $0.deliveryCount + extraDeliveries, publishedAt: $0.publishedAt,
                    partition: $0.partition)
            })
    }

    /// Commits, retrying while the connection fails (a repeat is harmless: acks are idempotent, version
    /// checks turn a repeated write into a conflict, and consumers deduplicate messages).
    private func commitRetryingConnectionErrors(_ request: CommitRequest) async throws -> CommitOutcome {
        var failures = 0
        while true {
            do {
                return try await committer.commit(request)
            } catch let error as RedisError where error.isConnectionError {
                failures += 1
                if Task.isCancelled { throw CancellationError() }
                logger.warning("commit failed, retrying", metadata: [LogKeys.error: "\(error)"])
                try await Task.sleep(for: min(.milliseconds(20) * (1 << min(failures, 8)), .seconds(5)))
            }
        }
    }

    /// Effects a single atomic step cannot hold: state keys of another partition, messages over the size limits.
    private func unsupported(_ commit: Commit) -> String? {
        let keyspace = configuration.keyspace
        for message in commit.messages {
            if let problem = RedisStreamsTransport.sizeProblem(of: message, limit: configuration.maxMessageBytes) {
                return problem
            }
        }
        for write in commit.writes {
            let other = keyspace.partition(of: write.key)
            if other != partition {
                return "state key '\(write.key)' is in partition \(other), not the message's (\(partition))"
            }
            if case .setFields(let set, let removing, _) = write.operation,
                let reserved = ["v", "w"].first(where: { set.keys.contains($0) || removing.contains($0) })
            {
                return "state key '\(write.key)': the field name '\(reserved)' is reserved (version, last writer)"
            }
        }
        return nil
    }

    private func makeRequest(_ batch: MessageBatch, _ decision: BatchDisposition) -> CommitRequest {
        var request = CommitRequest(entryIDs: batch.messages.map(\.id))
        if subscription.topic.isKeyed, let key = batch.key {
            request.lock = (lockPrefix + key, parkPrefix + key)
        }
        let keyspace = configuration.keyspace
        if case .ack(let commit) = decision.disposition {
            for write in commit.writes {
                switch write.operation {
                case .put(let value):
                    let key = keyspace.state(write.key)
                    if let expected = write.expectedVersion { request.checks.append((key, expected)) }
                    request.ops.append(.put(key: key, value: value))
                case .setFields(let set, let removing, let replacingAll):
                    let key = keyspace.state(write.key)
                    if let expected = write.expectedVersion { request.checks.append((key, expected)) }
                    request.ops.append(
                        .setFields(
                            key: key, set: set.map { ($0.key, $0.value) },
                            removing: removing, replacingAll: replacingAll))
                case .delete:
                    let key = keyspace.state(write.key)
                    if let expected = write.expectedVersion { request.checks.append((key, expected)) }
                    request.ops.append(.delete(key: key))
                case .expire(let after):
                    request.ops.append(.expire(key: keyspace.state(write.key), milliseconds: after.redisMilliseconds))
                case .addToSet(let members):
                    request.ops.append(.addMembers(key: keyspace.set(write.key), members: members))
                case .removeFromSet(let members):
                    request.ops.append(.removeMembers(key: keyspace.set(write.key), members: members))
                }
            }
            for outgoing in commit.messages {
                request.ops.append(RedisStreamsTransport.op(for: outgoing, keyspace: keyspace, partition: partition))
            }
        }
        for message in batch.messages {
            switch decision.settlement(of: message) {
            case .ack:
                break
            case .retry(let delay, let reason):
                logger.debug("retrying message", metadata: [LogKeys.id: "\(message.id)", LogKeys.reason: "\(reason)"])
                let again = OutgoingMessage(
                    topic: message.topic, key: message.key, payload: message.payload,
                    delivery: .after(delay), id: "\(message.id)#\(message.deliveryCount)")
                request.ops.append(
                    RedisStreamsTransport.op(
                        for: again, keyspace: keyspace, partition: partition, attempts: message.deliveryCount,
                        publishedAt: message.publishedAt))
            case .deadLetter(let reason):
                logger.warning(
                    "dead-lettering message", metadata: [LogKeys.id: "\(message.id)", LogKeys.reason: "\(reason)"])
                var fields: [EntryField] = []
                if let key = message.key { fields.append(EntryField(StreamEntry.key, key)) }
                fields.append(EntryField(StreamEntry.payload, message.payload))
                if let published = message.publishedAt {
                    fields.append(EntryField(StreamEntry.publishedAt, String(StreamEntry.milliseconds(published))))
                }
                fields += [
                    EntryField("reason", reason), EntryField("group", subscription.group),
                    EntryField("original-id", message.id), EntryField("deliveries", String(message.deliveryCount)),
                    EntryField("dead-at", String(StreamEntry.milliseconds(Date()))),
                ]
                request.ops.append(.append(stream: dead, fields: fields))
            }
        }
        return request
    }

    // MARK: - Renewal and shutdown

    /// One renewal, called on the renewal thread (never waiting for the cooperative pool): keeps a consumed
    /// expiring topic from expiring, and renews the entries and key locks this consumer holds. Skipped while the
    /// previous renewal has no reply yet.
    private func renewNow() {
        if let idle = subscription.topic.expiresAfterIdle {
            client.sendDetached(PEXPIRE(stream, after: idle).command) { _ in }
        }
        let held = inFlight.withLock { $0 }
        if held.isEmpty { return }
        guard renewing.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
        else { return }
        // Checked once this renewal holds the flag: `endRenewals` removes the job, then waits for the flag.
        if renewalJob.withLock({ $0 == nil }) {
            renewing.store(false, ordering: .sequentiallyConsistent)
            return
        }
        var renew = RedisCommand.argumentList()
        renew.append(contentsOf: [subscription.group, subscription.consumer])
        renew.append(subscription.lockTimeToLive.redisMilliseconds)
        renew.append(lockPrefix)
        for (id, key) in held {
            renew.append(id)
            renew.append((key ?? nil) ?? "")
        }
        client.sendDetached(StreamScripts.renew.call(keys: [stream], arguments: renew).command) { [self] result in
            renewing.store(false, ordering: .sequentiallyConsistent)
            switch result {
            case .success(.array(let lost)):
                if !lost.isEmpty {
                    logger.warning(
                        "\(lost.count) in-flight messages were reclaimed by another consumer (this one stalled)")
                }
            case .success(let reply):
                logger.warning("renewal failed, trying again in a second", metadata: [LogKeys.error: "\(reply)"])
                renewSoon()
            case .failure(let error):
                logger.warning("renewal failed, trying again in a second", metadata: [LogKeys.error: "\(error)"])
                renewSoon()
            }
        }
    }

    /// After a failed renewal: the next in a second (or at its due time if sooner), not a whole period later.
    private func renewSoon() {
        guard let job = renewalJob.withLock({ $0 }) else { return }
        renewals.bringForward(job, to: .now + min(.seconds(1), subscription.visibilityTimeout / 6))
    }

    /// Removes the consumers of this group idle for `idle` with nothing pending (see
    /// `StreamScripts.removeIdleConsumers`).
    private func removeIdleConsumers(idleFor idle: Duration) async {
        var arguments = RedisCommand.argumentList()
        arguments.append(subscription.group)
        arguments.append(idle.redisMilliseconds)
        arguments.append(contentsOf: [subscription.consumer, Self.parkedConsumer])
        do {
            let removed =
                try await client.send(
                    StreamScripts.removeIdleConsumers.call(keys: [stream], arguments: arguments)
                ).array ?? []
            if !removed.isEmpty {
                logger.info("removed \(removed.count) idle consumers with nothing pending from the group")
            }
        } catch {
            logger.debug("removing idle consumers failed", metadata: [LogKeys.error: "\(error)"])
        }
    }

    /// Stops renewals and waits (up to a few seconds) for one sent before to be answered: a renewal landing after
    /// `releaseUnfinished` would make what it released look held again for a whole visibility timeout.
    private func endRenewals() async {
        if let job = renewalJob.withLock({ $0.take() }) { renewals.cancel(job) }
        var waits = 0
        while renewing.load(ordering: .sequentiallyConsistent) && waits < 300 {
            try? await Task.sleep(for: .milliseconds(10))
            waits += 1
        }
    }

    /// Entries this consumer still holds unfinished (handlers cancelled): mark them idle for a full
    /// visibility timeout so the next reclaim pass of any consumer takes them at once.
    private func releaseUnfinished() async {
        let held = inFlight.withLock { $0 }
        guard !held.isEmpty else { return }
        let claim = XCLAIM.JUSTID(
            XCLAIM(
                stream, group: subscription.group, consumer: subscription.consumer, minIdle: .zero,
                ids: Array(held.keys), idle: subscription.visibilityTimeout))
        _ = try? await client.send(claim)
    }
}
