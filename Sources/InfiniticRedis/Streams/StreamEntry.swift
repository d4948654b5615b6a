import Foundation
import InfiniticTransport

/// The fields of a stream entry, and conversions between entries and transport messages.
///
/// An entry is `k` (key, optional), `p` (payload), `t` (publication time, ms since 1970) and `a` (deliveries
/// before a delayed retry, optional); or a wake marker `w` (see `wakeMarkerID`).
enum StreamEntry {
    static let key = "k"
    static let payload = "p"
    static let publishedAt = "t"
    static let attempts = "a"

    /// Decodes `{id, fields, deliveries[, version, state fields, complete]}` as returned by the scripts; the
    /// last three are the state of the entry's key when the subscription prefetches it.
    static func decodeScriptEntry(
        _ reply: RedisReply, topic: Topic, partition: Int, prefetch: StatePrefetch? = nil
    ) throws -> ReceivedMessage {
        guard let parts = reply.array, parts.count == 3 || parts.count == 6, let deliveries = parts[2].int,
            let entry = try? RedisStreamEntry(id: parts[0], fields: parts[1])
        else { throw TransportError(.malformedEntry, "unexpected entry reply \(reply)") }
        let message = try message(from: entry, deliveries: deliveries, topic: topic, partition: partition)
        guard parts.count == 6, let prefetch, let key = message.key else { return message }
        var state: StateFields?
        if let version = parts[3].int {
            state = StateFields(
                version: version, fields: try parts[4].decodeFields(), isComplete: parts[5].int == 1)
        }
        return ReceivedMessage(
            id: message.id, topic: topic, key: key, payload: message.payload, deliveryCount: message.deliveryCount,
            publishedAt: message.publishedAt, partition: partition,
            prefetchedState: PrefetchedState(key: prefetch.stateKey(for: key), fields: state))
    }

    /// Whether an entry is a wake marker (field `w`: appended when a scheduled message becomes the soonest due,
    /// so that idle consumers look at the schedule).
    static func isWakeMarker(_ entry: RedisStreamEntry) -> Bool {
        entry.fields.count == 1 && entry.fields[0].name == "w"
    }

    /// The message an entry carries, read in one pass over its fields. `deliveries` nil means a first
    /// delivery (deliveries = the ones before a delayed retry, recorded in field `a`, plus this one).
    static func message(
        from entry: RedisStreamEntry, deliveries: Int? = nil, topic: Topic, partition: Int
    ) throws -> ReceivedMessage {
        var payload: [UInt8]?
        var key: String?
        var published: Date?
        var attempts = 0
        for field in entry.fields {
            switch field.name {
            case Self.payload: payload = field.value
            case Self.key: key = String(decoding: field.value, as: UTF8.self)
            case Self.publishedAt:
                published = integer(field.value).map { Date(timeIntervalSince1970: Double($0) / 1000) }
            case Self.attempts: attempts = integer(field.value) ?? 0
            default: break
            }
        }
        guard let payload else {
            throw TransportError(.malformedEntry, "entry \(entry.id) of \(topic) has no payload field")
        }
        return ReceivedMessage(
            id: entry.id, topic: topic, key: key, payload: payload, deliveryCount: max(1, deliveries ?? attempts + 1),
            publishedAt: published, partition: partition)
    }

    /// Why an entry is not one this format writes, or nil (the same rules as `invalid` in `LuaPrelude`, for
    /// entries read without a script): a payload, `t` and `a` decimal integers, sizes within the limits, no
    /// other field, none twice.
    static func invalidReason(_ entry: RedisStreamEntry, maxPayload: Int) -> String? {
        var seen = Set<String>()
        for field in entry.fields {
            guard seen.insert(field.name).inserted else { return "field '\(field.name.prefix(64))' appears twice" }
            switch field.name {
            case Self.payload where field.value.count > maxPayload:
                return "payload of \(field.value.count) bytes, more than the limit of \(maxPayload)"
            case Self.key where field.value.count > RedisStreamsConfiguration.maxKeyBytes:
                return
                    "key of \(field.value.count) bytes, more than the limit of \(RedisStreamsConfiguration.maxKeyBytes)"
            case Self.publishedAt, Self.attempts:
                if field.value.count > 15 || integer(field.value) == nil {
                    return
                        "field '\(field.name)' is not a decimal integer: '\(String(decoding: field.value.prefix(32), as: UTF8.self))'"
                }
            case Self.payload, Self.key: break
            default: return "unknown field '\(field.name.prefix(64))' (not an entry of this format version)"
            }
        }
        return seen.contains(Self.payload) ? nil : "no payload field 'p'"
    }

    /// The fields of `entry`'s dead letter: its key, payload and publication time (values over the limits left
    /// out), then the reason and where it came from.
    static func deadLetterFields(
        of entry: RedisStreamEntry, deliveries: Int, reason: String, group: String, maxPayload: Int
    ) -> [RedisStreamEntry.Field] {
        var fields = entry.fields.filter { field in
            switch field.name {
            case Self.key: field.value.count <= RedisStreamsConfiguration.maxKeyBytes
            case Self.payload, Self.publishedAt: field.value.count <= maxPayload
            default: false
            }
        }
        fields += [
            .init("reason", reason), .init("group", group), .init("original-id", entry.id),
            .init("deliveries", String(deliveries)), .init("dead-at", String(milliseconds(Date()))),
        ]
        return fields
    }

    /// A decimal integer written in ASCII.
    static func integer(_ bytes: [UInt8]) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 48 && byte <= 57 else { return nil }
            value = value &* 10 &+ Int(byte - 48)
        }
        return value
    }

    /// Milliseconds since 1970, rounded up (a due time is never early).
    static func milliseconds(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 * 1000).rounded(.up))
    }

}
