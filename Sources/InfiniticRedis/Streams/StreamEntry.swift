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
        guard let parts = reply.array, parts.count == 3 || parts.count == 6, let id = parts[0].string,
            let fields = parts[1].array, let deliveries = parts[2].int
        else { throw TransportError(.malformedEntry, "unexpected entry reply \(reply)") }
        let message = try decode(id: id, fields: fields, deliveries: deliveries, topic: topic, partition: partition)
        guard parts.count == 6, let prefetch, let key = message.key else { return message }
        var state: StateFields?
        if let version = parts[3].int {
            state = StateFields(
                version: version, fields: try stateFields(parts[4]), isComplete: parts[5].int == 1)
        }
        return ReceivedMessage(
            id: message.id, topic: topic, key: key, payload: message.payload, deliveryCount: message.deliveryCount,
            publishedAt: message.publishedAt, partition: partition,
            prefetchedState: PrefetchedState(key: prefetch.stateKey(for: key), fields: state))
    }

    /// A flat `[name, value, ...]` reply as fields.
    static func stateFields(_ reply: RedisReply) throws -> [String: [UInt8]] {
        guard let flat = reply.array, flat.count % 2 == 0 else {
            throw TransportError(.malformedEntry, "unexpected state fields \(reply)")
        }
        var fields: [String: [UInt8]] = [:]
        fields.reserveCapacity(flat.count / 2)
        var index = 0
        while index + 1 < flat.count {
            if let name = flat[index].string, let value = flat[index + 1].bytes { fields[name] = value }
            index += 2
        }
        return fields
    }

    /// Decodes an entry of `XREADGROUP`/`XRANGE` (`[id, [field, value, ...]]`) on its first delivery
    /// (deliveries = the ones before a delayed retry, recorded in field `a`, plus this one).
    static func decodeStreamEntry(_ reply: RedisReply, topic: Topic, partition: Int) throws -> ReceivedMessage {
        guard case .array(let parts) = reply, parts.count == 2, let id = parts[0].string,
            case .array(let fields) = parts[1]
        else {
            throw TransportError(.malformedEntry, "unexpected stream entry \(reply)")
        }
        return try decode(id: id, fields: fields, deliveries: nil, topic: topic, partition: partition)
    }

    /// The id of a wake marker entry (field `w`: appended when a scheduled message becomes the soonest due, so
    /// that idle consumers look at the schedule), nil for any other entry.
    static func wakeMarkerID(_ reply: RedisReply) -> String? {
        guard case .array(let parts) = reply, parts.count == 2, case .array(let fields) = parts[1],
            fields.count == 2, fields[0].bytes == [UInt8(ascii: "w")]
        else { return nil }
        return parts[0].string
    }

    /// Decodes the fields in one pass. `deliveries` nil means a first delivery (1 + field `a`).
    static func decode(
        id: String, fields: [RedisReply], deliveries: Int?, topic: Topic, partition: Int
    ) throws -> ReceivedMessage {
        var payload: [UInt8]?
        var key: String?
        var published: Date?
        var attempts = 0
        var index = 0
        while index + 1 < fields.count {
            guard case .bulk(let name) = fields[index], name.count == 1, case .bulk(let value) = fields[index + 1]
            else {
                index += 2
                continue
            }
            switch name[0] {
            case UInt8(ascii: "p"): payload = value
            case UInt8(ascii: "k"): key = String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "t"): published = integer(value).map { Date(timeIntervalSince1970: Double($0) / 1000) }
            case UInt8(ascii: "a"): attempts = integer(value) ?? 0
            default: break
            }
            index += 2
        }
        guard let payload else {
            throw TransportError(.malformedEntry, "entry \(id) of \(topic) has no payload field")
        }
        return ReceivedMessage(
            id: id, topic: topic, key: key, payload: payload, deliveryCount: max(1, deliveries ?? attempts + 1),
            publishedAt: published, partition: partition)
    }

    /// The value of a field (for inspection paths such as dead letters).
    static func value(of name: String, in fields: [RedisReply]) -> [UInt8]? {
        let target = Array(name.utf8)
        var index = 0
        while index + 1 < fields.count {
            if fields[index].bytes == target { return fields[index + 1].bytes }
            index += 2
        }
        return nil
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

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int((Double(attoseconds) / 1e15).rounded(.up))
    }
}
