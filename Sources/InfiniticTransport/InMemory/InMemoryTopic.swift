import Foundation

/// A message waiting in a topic's schedule for its due time.
struct ScheduledMessage: Sendable {
    /// `OutgoingMessage.id`: a second publication with the same id while this one waits is dropped.
    var publicationID: String
    var key: String?
    var payload: [UInt8]
    var publishedAt: Date
}

/// A message of one group waiting for its retry delay.
struct DelayedRetry: Sendable {
    var group: String
    var held: HeldMessage
}

/// Everything stored for one topic: its log, its consumer groups, its schedule and its dead letters.
struct InMemoryTopic {
    /// Tells this topic apart from one of the same name created after it was deleted.
    let incarnation: UInt64
    /// The stored messages by sequence. Acknowledged entries are removed, so this stays bounded.
    var log: [UInt64: StoredMessage] = [:]
    var nextSequence: UInt64 = 1
    /// `Topic.retainedEntries` of the topic as last published or subscribed: acknowledged entries stay, the
    /// oldest go past this many.
    var retainedEntries: Int?
    /// The oldest sequence that may still be in the log of a retained topic.
    var oldestRetained: UInt64 = 1
    /// On shared topics, the groups that acknowledged an entry some other group has not acknowledged yet.
    var acknowledgedBy: [UInt64: Set<String>] = [:]
    var groups: [String: InMemoryGroup] = [:]
    var schedule = TimerQueue<ScheduledMessage>()
    var scheduledIDs: Set<String> = []
    var retries = TimerQueue<DelayedRetry>()
    var deadLetters: [DeadLetter] = []
    var deadLetterSequence: UInt64 = 0
    /// Notified when a group may have something new to deliver.
    let messagesChanged = ChangeSignal()
    /// Notified when the soonest due time of the schedule or of the retries moves earlier.
    let scheduleChanged = ChangeSignal()

    /// The soonest due time of a scheduled message or a delayed retry.
    var nextDue: Date? {
        switch (schedule.nextDue, retries.nextDue) {
        case (let a?, let b?): min(a, b)
        case (let a, let b): a ?? b
        }
    }

    mutating func append(key: String?, payload: [UInt8], publishedAt: Date) {
        log[nextSequence] = StoredMessage(sequence: nextSequence, key: key, payload: payload, publishedAt: publishedAt)
        nextSequence += 1
        if let retainedEntries {
            while log.count > retainedEntries, oldestRetained < nextSequence {
                log[oldestRetained] = nil
                acknowledgedBy[oldestRetained] = nil
                oldestRetained += 1
            }
        }
    }

    /// Stores a message for later unless one with the same publication id already waits. Returns whether the
    /// soonest due time moved earlier.
    mutating func schedule(_ message: ScheduledMessage, due: Date) -> Bool {
        guard scheduledIDs.insert(message.publicationID).inserted else { return false }
        let earlier = nextDue.map { due < $0 } ?? true
        schedule.insert(message, due: due)
        return earlier
    }

    init(incarnation: UInt64) {
        self.incarnation = incarnation
    }

    /// Creates `group` (reading from the oldest stored entry) or updates its view of the topic.
    mutating func join(_ group: String, topic: Topic) {
        if topic.retainedEntries != nil { retainedEntries = topic.retainedEntries }
        if groups[group] == nil {
            groups[group] = InMemoryGroup(topic: topic, cursor: log.keys.min() ?? nextSequence)
        } else {
            groups[group]!.topic = topic
        }
    }

    /// Moves due scheduled messages to the log and due retries back to their group. Returns whether
    /// anything became deliverable.
    mutating func promoteDue(asOf now: Date) -> Bool {
        let scheduled = schedule.popDue(asOf: now)
        for message in scheduled {
            scheduledIDs.remove(message.publicationID)
            append(key: message.key, payload: message.payload, publishedAt: message.publishedAt)
        }
        let retried = retries.popDue(asOf: now)
        for retry in retried where groups[retry.group] != nil {
            groups[retry.group]!.delayed -= 1
            groups[retry.group]!.requeue(retry.held, logEnd: nextSequence)
        }
        return !scheduled.isEmpty || !retried.isEmpty
    }

    /// Takes up to `limit` messages (in batches) for a consumer of `group`, dead-lettering those delivered too
    /// often.
    mutating func take(
        from group: String, upTo limit: Int, keyBatchSize: Int, maxDeliveries: Int, now: Date
    ) -> [[HeldMessage]] {
        guard groups[group] != nil else { return [] }
        let (delivered, exhausted) = groups[group]!.take(
            upTo: limit, keyBatchSize: keyBatchSize, log: log, logEnd: nextSequence, maxDeliveries: maxDeliveries)
        for held in exhausted {
            deadLetter(
                held, group: group,
                reason: "delivered \(held.deliveries) times without being acknowledged", now: now)
        }
        return delivered
    }

    /// Records an acknowledgement of `group`: the entry is deleted unless the topic is shared and another
    /// group that subscribed has not acknowledged it yet.
    mutating func acknowledge(_ sequence: UInt64, by group: String) {
        guard log[sequence] != nil, retainedEntries == nil else { return }
        if groups[group]?.topic.isShared ?? false {
            var acknowledged = acknowledgedBy[sequence] ?? []
            acknowledged.insert(group)
            if groups.keys.allSatisfy(acknowledged.contains) {
                log[sequence] = nil
                acknowledgedBy[sequence] = nil
            } else {
                acknowledgedBy[sequence] = acknowledged
            }
        } else {
            log[sequence] = nil
            acknowledgedBy[sequence] = nil
        }
    }

    /// Moves a settled message of `group` to the dead letters (which acknowledges it).
    mutating func deadLetter(_ held: HeldMessage, group: String, reason: String, now: Date) {
        guard let topic = groups[group]?.topic else { return }
        deadLetterSequence += 1
        deadLetters.append(
            DeadLetter(
                id: "0-\(deadLetterSequence)", originalID: held.message.id, topic: topic, group: group,
                key: held.message.key, payload: held.message.payload, reason: reason,
                deliveryCount: held.deliveries, deadAt: now))
        acknowledge(held.message.sequence, by: group)
    }
}
