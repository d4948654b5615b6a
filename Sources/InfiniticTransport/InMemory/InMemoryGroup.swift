import Foundation

/// A message of a topic's log.
struct StoredMessage: Sendable {
    /// Its position in the topic (1, 2, ...).
    var sequence: UInt64
    var key: String?
    var payload: [UInt8]
    var publishedAt: Date

    /// The id consumers see, shaped like a Redis stream id.
    var id: String { "0-\(sequence)" }
}

/// A group's copy of a message it has read and not yet settled, with its deliveries so far.
struct HeldMessage: Sendable {
    var message: StoredMessage
    var deliveries: Int
    /// Its place in the order of its key: twice its sequence; a retried message comes back at an odd place,
    /// just after the last message published before it came back (see `InMemoryGroup.requeue`).
    var position: UInt64

    init(message: StoredMessage, deliveries: Int) {
        self.message = message
        self.deliveries = deliveries
        self.position = 2 * message.sequence
    }
}

/// What one consumer group has read of a topic and what it holds.
///
/// On keyed topics a key is *busy* while a batch with that key is in flight, or has been handed the key and
/// waits in `ready`. Messages whose key is busy wait in `parked`, oldest first, and are not looked at again
/// until the key is released (no spinning). Invariant: a key with parked messages is busy.
///
/// A retried message (`Disposition.retry`) gives up its place, as on Redis (where it is published again): its
/// key is released when the retry is settled, and once its delay is over it comes back behind every message
/// published before that instant, its key's included. A message given back unacknowledged (a consumer that
/// stopped, or died) keeps its place instead: it is delivered again before the later messages of its key.
struct InMemoryGroup {
    /// The subscription's view of the topic (keyed or not).
    var topic: Topic
    /// The next sequence of the log this group has not read yet.
    var cursor: UInt64
    /// Handed to a handler, not yet settled.
    var inFlight: [UInt64: HeldMessage] = [:]
    /// Deliverable now, before anything new from the log: redeliveries and key hand-overs, as batches.
    var ready: [[HeldMessage]] = []
    /// Waiting for their key, by key, oldest first.
    var parked: [String: [HeldMessage]] = [:]
    /// Retried messages whose delay is over, by position: each is taken once the log is read past the messages
    /// published before it came back.
    var returning: [HeldMessage] = []
    var busyKeys: Set<String> = []
    /// How many of this group's messages wait for a delayed retry (they sit in the topic's timer queue).
    var delayed = 0

    init(topic: Topic, cursor: UInt64) {
        self.topic = topic
        self.cursor = cursor
    }

    private func serializedKey(of held: HeldMessage) -> String? {
        topic.isKeyed ? held.message.key : nil
    }

    /// Takes up to `limit` messages for a consumer, as batches: redeliveries and hand-overs first, then new
    /// messages of the log, parking those whose key is busy (a message whose key was taken by this call joins
    /// that key's batch, up to `keyBatchSize`). A message that would be delivered more than `maxDeliveries`
    /// times is returned in `exhausted` instead, for the dead letters.
    mutating func take(
        upTo limit: Int, keyBatchSize: Int, log: [UInt64: StoredMessage], logEnd: UInt64, maxDeliveries: Int
    ) -> (delivered: [[HeldMessage]], exhausted: [HeldMessage]) {
        var delivered: [[HeldMessage]] = []
        var exhausted: [HeldMessage] = []
        var taken = 0
        /// Batches opened by this call with a free key, by key: later messages of the key may join them.
        var openBatches: [String: Int] = [:]
        while taken < limit {
            var batch: [HeldMessage]
            if !ready.isEmpty {
                batch = ready.removeFirst()
            } else {
                let next: HeldMessage
                if let returned = returning.first, returned.position < 2 * cursor {
                    next = returning.removeFirst()
                } else if cursor < logEnd {
                    let sequence = cursor
                    cursor += 1
                    guard let message = log[sequence] else { continue }
                    next = HeldMessage(message: message, deliveries: 0)
                } else {
                    break
                }
                if let key = serializedKey(of: next) {
                    if busyKeys.contains(key) {
                        if let index = openBatches[key], delivered[index].count < keyBatchSize, next.deliveries == 0 {
                            var joining = next
                            joining.deliveries += 1
                            inFlight[joining.message.sequence] = joining
                            delivered[index].append(joining)
                            taken += 1
                        } else {
                            park(next, key: key)
                        }
                        continue
                    }
                    busyKeys.insert(key)
                    openBatches[key] = delivered.count
                }
                batch = [next]
            }
            var kept: [HeldMessage] = []
            for var held in batch {
                held.deliveries += 1
                if held.deliveries > maxDeliveries {
                    held.deliveries -= 1
                    exhausted.append(held)
                } else {
                    inFlight[held.message.sequence] = held
                    kept.append(held)
                }
            }
            if kept.isEmpty {
                if let first = batch.first { releaseKey(of: first, batchSize: keyBatchSize) }
                continue
            }
            taken += kept.count
            delivered.append(kept)
        }
        return (delivered, exhausted)
    }

    /// Removes in-flight messages of one batch, releasing their key (handing it to the oldest parked messages).
    mutating func settle(_ sequences: [UInt64], keyBatchSize: Int) -> [HeldMessage] {
        let settled = sequences.compactMap { inFlight.removeValue(forKey: $0) }
        if let first = settled.first { releaseKey(of: first, batchSize: keyBatchSize) }
        return settled
    }

    /// Gives in-flight messages back unacknowledged: they are delivered again, before later messages of their
    /// key.
    mutating func giveBack(_ sequences: [UInt64], keyBatchSize: Int) {
        let held = sequences.compactMap { inFlight.removeValue(forKey: $0) }
        guard let first = held.first else { return }
        if let key = serializedKey(of: first) {
            for message in held { park(message, key: key) }
            releaseKey(of: first, batchSize: keyBatchSize)
        } else {
            ready.append(held)
        }
    }

    /// Makes a message whose retry delay is over deliverable again, as if published now: behind the `logEnd - 1`
    /// messages of the log (taken once they are read; parked behind those of its key still waiting).
    mutating func requeue(_ held: HeldMessage, logEnd: UInt64) {
        var returned = held
        returned.position = 2 * logEnd - 1
        returning.append(returned)  // logEnd never decreases: `returning` stays in position order
    }

    /// Hands the key of `held` to the oldest messages parked on it (up to `batchSize`), or frees it.
    private mutating func releaseKey(of held: HeldMessage, batchSize: Int) {
        guard let key = serializedKey(of: held) else { return }
        if let waiting = parked[key] {
            let handed = Array(waiting.prefix(batchSize))
            ready.append(handed)
            parked[key] = waiting.count > handed.count ? Array(waiting.dropFirst(handed.count)) : nil
        } else {
            busyKeys.remove(key)
        }
    }

    /// Inserts in position order (a message given back goes before the later ones of its key).
    private mutating func park(_ held: HeldMessage, key: String) {
        let position = held.position
        let index = parked[key].flatMap { waiting in waiting.lastIndex { $0.position < position } } ?? -1
        parked[key, default: []].insert(held, at: index + 1)
    }

    var parkedCount: Int { parked.values.reduce(0) { $0 + $1.count } }
}
