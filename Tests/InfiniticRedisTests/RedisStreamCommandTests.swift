import Foundation
import TestSupport
import Testing

@testable import InfiniticRedis

/// The typed stream, hash, set and key commands against a real redis-server.
@Suite("Redis stream commands")
struct RedisStreamCommandTests {
    @Test func streamEntriesRoundTripThroughAGroup() async throws {
        let client = try await TestRedis.client()
        let stream = "typed-\(UUID())"
        try await client.send(XGROUP.CREATE(stream, group: "g", after: "0", makeStream: true))
        let binary: [UInt8] = [0, 13, 10, 255]
        var pipeline = RedisPipeline()
        let first = pipeline.append(
            XADD(stream, fields: [RedisStreamEntry.Field("p", binary), RedisStreamEntry.Field("k", "key")]))
        let second = pipeline.append(XADD(stream, fields: [RedisStreamEntry.Field("p", "two")]))
        let length = pipeline.append(XLEN(stream))
        let replies = try await client.send(pipeline)
        let ids = [try replies[first], try replies[second]]
        #expect(try replies[length] == 2)

        let range = try await client.send(XRANGE(stream, count: 1))
        #expect(range == [RedisStreamEntry(id: ids[0], fields: [.init("p", binary), .init("k", "key")])])
        #expect(range.first?.value(of: "k") == "key".bytes)

        let read = try await client.send(XREADGROUP(group: "g", consumer: "a", stream: stream, count: 10))
        #expect(read.map(\.id) == ids)
        #expect(try await client.send(XREADGROUP(group: "g", consumer: "a", stream: stream)) == [])

        // JUSTID hands entries over without counting a delivery; a plain XCLAIM counts one.
        let moved = try await client.send(
            XCLAIM.JUSTID(XCLAIM(stream, group: "g", consumer: "b", minIdle: .zero, ids: ids, idle: .seconds(60))))
        #expect(moved == ids)
        var pending = try await client.send(XPENDING(stream, group: "g", count: 10, minIdle: .seconds(30)))
        #expect(pending.map(\.consumer) == ["b", "b"])
        #expect(pending.map(\.deliveries) == [1, 1])
        let claimed = try await client.send(XCLAIM(stream, group: "g", consumer: "c", minIdle: .zero, ids: [ids[1]]))
        #expect(claimed.map(\.id) == [ids[1]])
        pending = try await client.send(XPENDING(stream, group: "g", count: 10, consumer: "c"))
        #expect(pending.map(\.deliveries) == [2])

        #expect(try await client.send(XACK(stream, group: "g", ids: ids)) == 2)
        #expect(try await client.send(XDEL(stream, ids: [ids[0]])) == 1)
        let info = try await client.send(XINFO.STREAM(stream))
        #expect(info.length == 1 && info.groups == 1 && info.entriesAdded == 2 && info.lastGeneratedID == ids[1])
    }

    @Test func aBlockingReadWaitsForTheNextEntryAndTimesOutEmpty() async throws {
        let client = try await TestRedis.client()
        let stream = "typed-block-\(UUID())"
        let connection = client.makeBlockingConnection(longestBlock: .seconds(5))
        defer { connection.close() }
        #expect(
            try await client.blockingSend(XREAD(stream, after: "$", block: .milliseconds(50)), on: connection) == [])
        async let read = client.blockingSend(XREAD(stream, after: "$", count: 1, block: .seconds(5)), on: connection)
        try await Task.sleep(for: .milliseconds(200))
        let id = try await client.send(XADD(stream, fields: [.init("p", "late")]))
        #expect(try await read.map(\.id) == [id])

        try await client.send(XGROUP.CREATE(stream, group: "g", after: "$", makeStream: false))
        let none = try await client.blockingSend(
            XREADGROUP(group: "g", consumer: "c", stream: stream, block: .milliseconds(50)), on: connection)
        #expect(none == [])
    }

    @Test func scriptsHashesSetsAndKeys() async throws {
        let client = try await TestRedis.client()
        let hash = "typed-hash-\(UUID())"
        let set = "typed-set-\(UUID())"
        let fill = RedisScript(
            name: "fill",
            source: "redis.call('HSET', KEYS[1], 'v', '3', 'd', ARGV[1]); return redis.call('SADD', KEYS[2], 'a', 'b')")
        client.register([fill])
        var arguments = RedisCommand.argumentList()
        arguments.append(bytes: [0, 1, 2])
        let added = try await client.send(
            fill.call(keys: [hash, set], arguments: arguments) { reply throws(RedisError) in try reply.decodeInteger() }
        )
        #expect(added == 2)

        #expect(try await client.send(HMGET(hash, fields: ["v", "d", "missing"])) == ["3".bytes, [0, 1, 2], nil])
        #expect(try await client.send(SMEMBERS(set)) == ["a", "b"])
        #expect(try await client.send(EXISTS([hash, set, "missing-\(UUID())"])) == 2)
        #expect(try await client.send(PEXPIRE(hash, after: .seconds(60))))
        #expect((59_000...60_000).contains(try await client.send(PTTL(hash))))
        #expect(try await client.send(DEL([hash, set])) == 2)
        #expect(try await client.send(PTTL(hash)) == -2)
        #expect(try await client.send(HMGET(hash, fields: ["v", "d"])) == [nil, nil])
        #expect(try await client.send(SMEMBERS(set)) == [])
        #expect(try await client.send(CONFIG.GET("maxmemory-policy")) == ["maxmemory-policy": "noeviction"])
        #expect(try await client.send(INFO("server")).contains("redis_version:"))
    }
}
