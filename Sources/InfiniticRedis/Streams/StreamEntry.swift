import Foundation
import InfiniticTransport

/// The fields of a stream entry, and conversions between entries and transport messages.
///
/// An entry is `k` (key, optional), `p` (payload), `t` (publication time, ms since 1970) and `a` (deliveries
/// before a delayed retry, optional).
enum StreamEntry {
    static let key = "k"
    static let payload = "p"
    static let publishedAt = "t"
    static let attempts = "a"

    /// Decodes `{id, fields, deliveries}` as returned by the scripts.
    static func decodeScriptEntry(_ reply: RedisReply, topic: Topic, partition: Int) throws -> ReceivedMessage {
        guard let parts = reply.array, parts.count == 3, let id = parts[0].string, let fields = parts[1].array,
            let deliveries = parts[2].int
        else { throw TransportError(.malformedEntry, "unexpected entry reply \(reply)") }
        return try decode(id: id, fields: fields, deliveries: deliveries, topic: topic, partition: partition)
    }

    /// Decodes an entry of `XREADGROUP`/`XRANGE` (`[id, [field, value, ...]]`); deliveries counts the
    /// deliveries before this one recorded in field `a`, plus this one.
    static func decodeStreamEntry(_ reply: RedisReply, topic: Topic, partition: Int) throws -> ReceivedMessage {
        guard let parts = reply.array, parts.count == 2, let id = parts[0].string, let fields = parts[1].array else {
            throw TransportError(.malformedEntry, "unexpected stream entry \(reply)")
        }
        let attempts = value(of: attempts, in: fields).flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
        return try decode(id: id, fields: fields, deliveries: attempts + 1, topic: topic, partition: partition)
    }

    static func decode(
        id: String, fields: [RedisReply], deliveries: Int, topic: Topic, partition: Int
    ) throws -> ReceivedMessage {
        guard let payload = value(of: payload, in: fields) else {
            throw TransportError(.malformedEntry, "entry \(id) of \(topic) has no payload field")
        }
        let key = value(of: key, in: fields).map { String(decoding: $0, as: UTF8.self) }
        let published = value(of: publishedAt, in: fields)
            .flatMap { Double(String(decoding: $0, as: UTF8.self)) }
            .map { Date(timeIntervalSince1970: $0 / 1000) }
        return ReceivedMessage(
            id: id, topic: topic, key: key, payload: payload, deliveryCount: max(1, deliveries),
            publishedAt: published, partition: partition)
    }

    static func value(of name: String, in fields: [RedisReply]) -> [UInt8]? {
        var index = 0
        let target = Array(name.utf8)
        while index + 1 < fields.count {
            if fields[index].bytes == target { return fields[index + 1].bytes }
            index += 2
        }
        return nil
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
