import Foundation
import Synchronization

/// A batch handed to a consumer of `InMemoryTransport`, with what is needed to settle it.
struct InMemoryDelivery: Sendable {
    var topicName: String
    var incarnation: UInt64
    var group: String
    var keyBatchSize: Int
    var sequences: [UInt64]
    var batch: MessageBatch
}

/// The signals a consumer of a topic waits on.
struct InMemoryTopicSignals: Sendable {
    /// Something may have become deliverable.
    var messages: ChangeSignal
    /// The soonest due time moved earlier.
    var schedule: ChangeSignal
}

/// All the state of an `InMemoryTransport` (topics and state store) behind one lock, so that settling a
/// message (acknowledge, write state, publish) is one atomic step.
final class InMemoryBroker: Sendable {
    private struct State {
        var topics: [String: InMemoryTopic] = [:]
        var store = InMemoryStateStore()
        var incarnations: UInt64 = 0

        /// The topic named `name`, created empty if needed.
        mutating func touch(_ name: String) {
            guard topics[name] == nil else { return }
            incarnations += 1
            topics[name] = InMemoryTopic(incarnation: incarnations)
        }

        /// Stores a published message: in the log if immediate, else in the schedule.
        mutating func enqueue(_ message: OutgoingMessage, now: Date, wake: inout Wakeups) {
            let name = message.topic.name
            touch(name)
            if message.topic.retainedEntries != nil { topics[name]!.retainedEntries = message.topic.retainedEntries }
            let due: Date? =
                switch message.delivery {
                case .now: nil
                case .after(let delay): delay <= .zero ? nil : now.addingTimeInterval(delay.timeInterval)
                case .at(let instant): instant
                }
            guard let due else {
                topics[name]!.append(key: message.key, payload: message.payload, publishedAt: now)
                wake.add(topics[name]!.messagesChanged)
                return
            }
            let scheduled = ScheduledMessage(
                publicationID: message.id, key: message.key, payload: message.payload, publishedAt: now)
            if topics[name]!.schedule(scheduled, due: due) {
                wake.add(topics[name]!.scheduleChanged)
            }
        }
    }

    /// Signals to notify once the lock is released.
    struct Wakeups {
        private var signals: [ObjectIdentifier: ChangeSignal] = [:]

        mutating func add(_ signal: ChangeSignal) {
            signals[ObjectIdentifier(signal)] = signal
        }

        func notify() {
            for signal in signals.values { signal.notify() }
        }
    }

    private let state = Mutex(State())

    func publish(_ messages: [OutgoingMessage], now: Date) {
        var wake = Wakeups()
        state.withLock { state in
            for message in messages { state.enqueue(message, now: now, wake: &wake) }
        }
        wake.notify()
    }

    /// Creates the subscription's group if needed (reading from the oldest stored entry).
    func join(_ subscription: Subscription) -> InMemoryTopicSignals {
        state.withLock { state in
            let name = subscription.topic.name
            state.touch(name)
            state.topics[name]!.join(subscription.group, topic: subscription.topic)
            return InMemoryTopicSignals(
                messages: state.topics[name]!.messagesChanged, schedule: state.topics[name]!.scheduleChanged)
        }
    }

    /// Takes up to `limit` messages, in batches, for a consumer of the subscription's group.
    func take(_ subscription: Subscription, upTo limit: Int, now: Date) -> [InMemoryDelivery] {
        let name = subscription.topic.name
        let group = subscription.group
        let keyBatchSize = subscription.topic.isKeyed ? subscription.keyBatchSize : 1
        return state.withLock { state in
            guard let incarnation = state.topics[name]?.incarnation else { return [] }
            let taken = state.topics[name]!.take(
                from: group, upTo: limit, keyBatchSize: keyBatchSize, maxDeliveries: subscription.maxDeliveries,
                now: now)
            return taken.map { batch in
                // Taken under the lock that also guards the store: the state read here is the one the handler
                // would read (only this key's holder writes it).
                var prefetched: PrefetchedState?
                if subscription.topic.isKeyed, let prefetch = subscription.prefetch, let key = batch[0].message.key {
                    let stateKey = prefetch.stateKey(for: key)
                    prefetched = PrefetchedState(
                        key: stateKey, fields: state.store.prefetched(stateKey, prefetch, at: now))
                }
                let messages = batch.enumerated().map { index, held in
                    ReceivedMessage(
                        id: held.message.id, topic: subscription.topic, key: held.message.key,
                        payload: held.message.payload, deliveryCount: held.deliveries,
                        publishedAt: held.message.publishedAt, prefetchedState: index == 0 ? prefetched : nil)
                }
                return InMemoryDelivery(
                    topicName: name, incarnation: incarnation, group: group, keyBatchSize: keyBatchSize,
                    sequences: batch.map(\.message.sequence), batch: MessageBatch(messages))
            }
        }
    }

    /// Applies what the handler decided about a delivered batch, atomically. `nil` gives the messages back
    /// unacknowledged. Returns the write whose version check failed, in which case nothing was applied and
    /// the messages are still in flight.
    func settle(_ delivery: InMemoryDelivery, _ decision: BatchDisposition?, now: Date) -> StateWrite? {
        let name = delivery.topicName
        let group = delivery.group
        var wake = Wakeups()
        let conflict = state.withLock { state -> StateWrite? in
            let isInFlight =
                state.topics[name]?.incarnation == delivery.incarnation
                && delivery.sequences.contains { state.topics[name]?.groups[group]?.inFlight[$0] != nil }
            if let decision, case .ack(let commit) = decision.disposition {
                // The commit applies even if the topic was deleted meanwhile, as it would on Redis.
                if let conflict = state.store.conflict(in: commit.writes, at: now) { return conflict }
                state.store.apply(commit.writes, at: now)
                for message in commit.messages { state.enqueue(message, now: now, wake: &wake) }
            }
            guard isInFlight else { return nil }
            wake.add(state.topics[name]!.messagesChanged)
            guard let decision else {
                state.topics[name]!.groups[group]!.giveBack(delivery.sequences, keyBatchSize: delivery.keyBatchSize)
                return nil
            }
            let settled = state.topics[name]!.groups[group]!.settle(
                delivery.sequences, keyBatchSize: delivery.keyBatchSize)
            let messages = Dictionary(uniqueKeysWithValues: delivery.batch.messages.map { ($0.id, $0) })
            for held in settled {
                guard let message = messages[held.message.id] else { continue }
                switch decision.settlement(of: message) {
                case .ack:
                    state.topics[name]!.acknowledge(held.message.sequence, by: group)
                case .retry(let delay, _):
                    if delay <= .zero {
                        let logEnd = state.topics[name]!.nextSequence
                        state.topics[name]!.groups[group]!.requeue(held, logEnd: logEnd)
                    } else {
                        let due = now.addingTimeInterval(delay.timeInterval)
                        if state.topics[name]!.nextDue.map({ due < $0 }) ?? true {
                            wake.add(state.topics[name]!.scheduleChanged)
                        }
                        state.topics[name]!.retries.insert(DelayedRetry(group: group, held: held), due: due)
                        state.topics[name]!.groups[group]!.delayed += 1
                    }
                case .deadLetter(let reason):
                    state.topics[name]!.deadLetter(held, group: group, reason: reason, now: now)
                }
            }
            return nil
        }
        wake.notify()
        return conflict
    }

    /// Moves what is due in the topic's schedule and retries. Returns the next due time, if any.
    func promoteDue(in topicName: String, now: Date) -> Date? {
        let (promoted, next, signal) = state.withLock { state -> (Bool, Date?, ChangeSignal?) in
            guard state.topics[topicName] != nil else { return (false, nil, nil) }
            let promoted = state.topics[topicName]!.promoteDue(asOf: now)
            return (promoted, state.topics[topicName]!.nextDue, state.topics[topicName]!.messagesChanged)
        }
        if promoted { signal?.notify() }
        return next
    }

    /// Removes a topic's stored and scheduled messages, retries and consumer groups; its dead letters stay.
    /// Consumers still attached are woken and find nothing more to take.
    func deleteTopic(_ name: String) {
        let signals = state.withLock { state -> [ChangeSignal] in
            guard let deleted = state.topics.removeValue(forKey: name) else { return [] }
            if !deleted.deadLetters.isEmpty {
                state.incarnations += 1
                var kept = InMemoryTopic(incarnation: state.incarnations)
                kept.deadLetters = deleted.deadLetters
                kept.deadLetterSequence = deleted.deadLetterSequence
                // Ids stay unique: new messages do not reuse those the dead letters name.
                kept.nextSequence = deleted.nextSequence
                state.topics[name] = kept
            }
            return [deleted.messagesChanged, deleted.scheduleChanged]
        }
        for signal in signals { signal.notify() }
    }

    func read(_ key: StateKey, now: Date) -> VersionedValue? {
        state.withLock { $0.store.value(key, at: now) }
    }

    func read(_ key: StateKey, fields: [String]?, now: Date) -> StateFields? {
        state.withLock { $0.store.fields(key, fields, at: now) }
    }

    func members(of key: StateKey) -> Set<String> {
        state.withLock { $0.store.members(of: key) }
    }

    /// How many values (expired ones forgotten) and sets the state store holds.
    func stateCount(now: Date) -> (values: Int, sets: Int) {
        state.withLock { $0.store.count(at: now) }
    }

    func deadLetters(of topic: Topic, limit: Int) -> [DeadLetter] {
        state.withLock { state in
            Array((state.topics[topic.name]?.deadLetters ?? []).prefix(max(0, limit)))
        }
    }

    func snapshot(of topic: Topic) -> InMemoryTopicSnapshot {
        state.withLock { state in
            guard let stored = state.topics[topic.name] else {
                return InMemoryTopicSnapshot(stored: 0, scheduled: 0, deadLetters: 0, groups: [:])
            }
            let groups = stored.groups.mapValues { group in
                InMemoryTopicSnapshot.Group(
                    unread: stored.log.keys.count { $0 >= group.cursor }, inFlight: group.inFlight.count,
                    ready: group.ready.count + group.returning.count, parked: group.parkedCount,
                    delayed: group.delayed)
            }
            return InMemoryTopicSnapshot(
                stored: stored.log.count, scheduled: stored.schedule.count, deadLetters: stored.deadLetters.count,
                groups: groups)
        }
    }
}
