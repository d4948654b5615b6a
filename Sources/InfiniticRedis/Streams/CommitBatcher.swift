import InfiniticTransport
import Synchronization

/// Group commit for one stream partition: commits submitted while a flush is in flight are sent together
/// in the next flush, as one `commit` script call (plus one `XACK`/`XDEL` pair for plain acknowledgements),
/// in one round trip. At low load a commit goes out at once; at high load batches grow by themselves.
///
/// The first submitter that finds no flush running becomes the flusher and keeps flushing until the queue
/// is empty, so no background task is needed.
final class CommitBatcher: Sendable {
    struct Context: Sendable {
        var topic: Topic
        var partition: Int
        /// The input stream (any key of the partition for a publish-only batcher).
        var stream: String
        var group: String
        var consumer: String
        var lockTTLMilliseconds: Int
        var shared: Bool
        /// The state handed-over messages come with (keyed subscriptions that prefetch).
        let prefetch: StatePrefetch?
        /// Its Redis key prefix in this partition ('' for none).
        let statePrefix: String
        /// The most parked entries of one key handed over as one batch.
        let keyBatchSize: Int
        /// The prefetch as the scripts take it (`whole|field|field...`, '' for none), and marked `*` (the fields
        /// only after an own write), both built once.
        private let prefetchFields: String
        private let prefetchAfterOwnWrites: String

        /// The prefetch spec of a script call: marked while the subscriber's `ownWrites` hint is on.
        var prefetchSpec: String {
            prefetch?.ownWrites?.isOn == true ? prefetchAfterOwnWrites : prefetchFields
        }

        init(
            topic: Topic, partition: Int, stream: String, group: String, consumer: String, lockTTLMilliseconds: Int,
            shared: Bool, prefetch: StatePrefetch? = nil, statePrefix: String = "", keyBatchSize: Int = 1
        ) {
            self.topic = topic
            self.partition = partition
            self.stream = stream
            self.group = group
            self.consumer = consumer
            self.lockTTLMilliseconds = lockTTLMilliseconds
            self.shared = shared
            self.prefetch = prefetch
            self.statePrefix = statePrefix
            self.keyBatchSize = keyBatchSize
            let fields = prefetch.map { ([String($0.wholeUpTo)] + $0.fields).joined(separator: "|") } ?? ""
            self.prefetchFields = fields
            self.prefetchAfterOwnWrites = fields.isEmpty ? "" : "*" + fields
        }
    }

    private struct State {
        var queue: [(request: CommitRequest, promise: Promise<CommitOutcome>)] = []
        /// Plain acknowledgements: nobody waits for them (a lost one only means a later redelivery).
        var acks: [String] = []
        var flushing = false
    }

    let context: Context
    private let client: RedisClient
    private let maxBatch: Int
    private let state = Mutex(State())

    init(context: Context, client: RedisClient, maxBatch: Int) {
        self.context = context
        self.client = client
        self.maxBatch = max(1, maxBatch)
    }

    /// Applies `request` (batched with concurrent ones). Throws `RedisError` on connection failures: the
    /// commit may or may not have been applied.
    func commit(_ request: CommitRequest) async throws -> CommitOutcome {
        let promise = Promise<CommitOutcome>()
        let lead = state.withLock { state -> Bool in
            state.queue.append((request, promise))
            if state.flushing { return false }
            state.flushing = true
            return true
        }
        if lead { await flushUntilEmpty() }
        return try await promise.value
    }

    /// Acknowledges entries without waiting for it (unless this call ends up flushing). If the
    /// acknowledgement is lost for good (Redis unreachable until the consumer stops), the entries are simply
    /// delivered again after the visibility timeout.
    func acknowledge(_ ids: [String]) async {
        let lead = state.withLock { state -> Bool in
            state.acks.append(contentsOf: ids)
            if state.flushing { return false }
            state.flushing = true
            return true
        }
        if lead { await flushUntilEmpty() }
    }

    private func flushUntilEmpty() async {
        var failures = 0
        while true {
            let (batch, acks) = state.withLock {
                state -> ([(request: CommitRequest, promise: Promise<CommitOutcome>)], [String]) in
                let taken = Array(state.queue.prefix(maxBatch))
                state.queue.removeFirst(taken.count)
                let acks = state.acks
                state.acks.removeAll(keepingCapacity: true)
                if taken.isEmpty && acks.isEmpty { state.flushing = false }
                return (taken, acks)
            }
            if batch.isEmpty && acks.isEmpty { return }
            if await flush(batch, acks: acks) {
                failures = 0
            } else if !Task.isCancelled {
                // Keep the acknowledgements for the next flush, after a pause.
                state.withLock { $0.acks.insert(contentsOf: acks, at: 0) }
                failures += 1
                try? await Task.sleep(for: min(.milliseconds(20) * (1 << min(failures, 8)), .seconds(2)))
            }
        }
    }

    /// Sends one batch; returns false if the connection failed (promises are failed, acks are not applied).
    private func flush(
        _ batch: [(request: CommitRequest, promise: Promise<CommitOutcome>)], acks plainAcks: [String]
    ) async -> Bool {
        var acks = plainAcks
        var ackPromises: [Promise<CommitOutcome>] = []
        var encoder = CommitBatchEncoder(inputStream: context.stream)
        var scriptPromises: [Promise<CommitOutcome>] = []
        for (request, promise) in batch {
            if request.isPlainAck {
                acks.append(contentsOf: request.entryIDs)
                ackPromises.append(promise)
            } else {
                encoder.add(request)
                scriptPromises.append(promise)
            }
        }
        var pipeline = RedisPipeline()
        let ack = acks.isEmpty ? nil : pipeline.append(XACK(context.stream, group: context.group, ids: acks))
        let delete = acks.isEmpty || context.shared ? nil : pipeline.append(XDEL(context.stream, ids: acks))
        let commit =
            encoder.count > 0
            ? pipeline.append(
                encoder.command(
                    group: context.group, consumer: context.consumer, lockTTL: context.lockTTLMilliseconds,
                    shared: context.shared, statePrefix: context.statePrefix, prefetchSpec: context.prefetchSpec,
                    keyBatchSize: context.keyBatchSize)) : nil
        do {
            let replies = try await client.send(pipeline)
            if let ack { _ = try replies[ack] }
            if let delete { _ = try replies[delete] }
            for promise in ackPromises { promise.fulfill(.success(.applied(handedOver: []))) }
            if let commit {
                let reply = try replies[commit]
                guard let results = reply.array, results.count == scriptPromises.count else {
                    throw reply.unexpected("\(scriptPromises.count) commit results", command: "EVALSHA commit")
                }
                for (result, promise) in zip(results, scriptPromises) {
                    promise.fulfill(Result { try decode(result) })
                }
            }
        } catch {
            for promise in ackPromises + scriptPromises { promise.fulfill(.failure(error)) }
            return false
        }
        return true
    }

    private func decode(_ result: RedisReply) throws -> CommitOutcome {
        guard let parts = result.array, let status = parts.first?.int else {
            throw result.unexpected("a commit result", command: "EVALSHA commit")
        }
        if status == 0 {
            return .conflict(key: parts.count > 1 ? parts[1].string ?? "?" : "?")
        }
        if parts.count > 1, let entries = parts[1].array {
            let messages = try entries.map {
                try StreamEntry.decodeScriptEntry(
                    $0, topic: context.topic, partition: context.partition, prefetch: context.prefetch)
            }
            return .applied(handedOver: messages)
        }
        return .applied(handedOver: [])
    }
}
