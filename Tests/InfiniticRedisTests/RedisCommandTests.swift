import Foundation
import TestSupport
import Testing

@testable import InfiniticRedis

/// Typed commands without a server: their argv, their keys, and the decoding of well-formed and malformed
/// replies (every reply is untrusted: another shape is a typed error, never a crash).
@Suite("Redis commands")
struct RedisCommandTests {
    static let entry = RedisReply.array([.bulk("1-0".bytes), .array([.bulk("p".bytes), .bulk([0, 255])])])

    @Test func commandsEncodeBinarySafeArgvAndName() {
        let add = XADD("s", fields: [RedisStreamEntry.Field("p", [0, 13, 10, 255]), RedisStreamEntry.Field("k", "")])
        #expect(
            add.command.arguments == ["XADD".bytes, "s".bytes, "*".bytes, "p".bytes, [0, 13, 10, 255], "k".bytes, []])
        #expect(add.keys == ["s"])

        let read = XREADGROUP(group: "g", consumer: "c", stream: "s", count: 10, block: .microseconds(1500))
        #expect(
            read.command.arguments.map(\.text) == [
                "XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "BLOCK", "2", "STREAMS", "s", ">",
            ])
        // Never Redis' BLOCK 0 (forever), which no read timeout could outlast.
        #expect(XREAD("s", after: "$", block: .zero).command.arguments.map(\.text)[1...2] == ["BLOCK", "1"])
        let claim = XCLAIM.JUSTID(
            XCLAIM("s", group: "g", consumer: "c", minIdle: .zero, ids: ["1-0", "2-0"], idle: .seconds(30)))
        #expect(
            claim.command.arguments.map(\.text) == [
                "XCLAIM", "s", "g", "c", "0", "1-0", "2-0", "IDLE", "30000", "JUSTID",
            ])
        #expect(XGROUP.CREATE("s", group: "g", after: "0", makeStream: true).command.name == "XGROUP")
        #expect(
            BLPOP(["a", "b"], timeout: .milliseconds(500)).command.arguments.map(\.text) == ["BLPOP", "a", "b", "0.5"])
        #expect(DEL(["a", "b", "c"]).keys == ["a", "b", "c"])
        #expect(AUTH(username: nil, password: "secret").command.arguments.map(\.text) == ["AUTH", "secret"])
        #expect(
            CLIENT.UNBLOCK(clientID: 7, error: true).command.arguments.map(\.text) == [
                "CLIENT", "UNBLOCK", "7", "ERROR",
            ])
    }

    @Test func aScriptCallKnowsItsKeysAndArguments() {
        let script = RedisScript(name: "t", source: "return 1")
        var arguments = RedisCommand.argumentList()
        arguments.append(bytes: [0, 1])
        let call = script.call(keys: ["k1", "k2"], arguments: arguments)
        #expect(call.keys == ["k1", "k2"])
        #expect(call.name == "EVALSHA t")
        #expect(
            call.command.arguments == ["EVALSHA".bytes, script.sha1.bytes, "2".bytes, "k1".bytes, "k2".bytes, [0, 1]])
    }

    @Test func wellFormedRepliesDecodeToTypedResponses() throws {
        #expect(
            try XRANGE("s").response(to: .array([Self.entry])) == [
                RedisStreamEntry(id: "1-0", fields: [RedisStreamEntry.Field("p", [0, 255])])
            ])
        let streams = RedisReply.array([.array([.bulk("s".bytes), .array([Self.entry, Self.entry])])])
        #expect(try XREADGROUP(group: "g", consumer: "c", stream: "s").response(to: streams).count == 2)
        #expect(try XREAD("s", after: "$", block: .seconds(1)).response(to: .null) == [])
        let deleted = RedisReply.array([.array([.bulk("s".bytes), .array([.array([.bulk("2-0".bytes), .null])])])])
        #expect(
            try XREADGROUP(group: "g", consumer: "c", stream: "s", id: "0").response(to: deleted) == [
                RedisStreamEntry(id: "2-0", fields: [])
            ])
        #expect(
            try HMGET("h", fields: ["v", "d"]).response(to: .array([.bulk("3".bytes), .null])) == ["3".bytes, nil])
        #expect(
            try CONFIG.GET("appendonly").response(to: .array([.bulk("appendonly".bytes), .bulk("yes".bytes)]))
                == ["appendonly": "yes"])
        #expect(try SMEMBERS("s").response(to: .array([.bulk("a".bytes), .bulk("b".bytes)])) == ["a", "b"])
        #expect(try PEXPIRE("k", after: .seconds(1)).response(to: .integer(1)))
        #expect(try MEMORY.USAGE("k").response(to: .null) == nil)
        let pending = try XPENDING("s", group: "g", count: 1).response(
            to: .array([.array([.bulk("1-0".bytes), .bulk("c".bytes), .integer(12), .integer(3)])]))
        #expect(pending == [XPENDING.Entry(id: "1-0", consumer: "c", idleMilliseconds: 12, deliveries: 3)])
        let info = try XINFO.STREAM("s").response(
            to: .array([
                .bulk("length".bytes), .integer(2), .bulk("groups".bytes), .integer(1),
                .bulk("last-generated-id".bytes), .bulk("2-0".bytes), .bulk("first-entry".bytes), Self.entry,
            ]))
        #expect(info == XINFO.STREAM.Info(length: 2, groups: 1, lastGeneratedID: "2-0", entriesAdded: nil))
        let popped = try BLPOP(["l"], timeout: .seconds(1)).response(to: .array([.bulk("l".bytes), .bulk("x".bytes)]))
        #expect(popped?.key == "l" && popped?.value == "x".bytes)
    }

    @Test(arguments: [
        ("XRANGE", RedisReply.array([.array([.bulk("1-0".bytes), .array([.bulk("p".bytes)])])])),  // odd fields
        ("XRANGE", .array([.array([.bulk("1-0".bytes)])])),  // no fields
        ("XRANGE", .array([.array([.integer(1), .array([])])])),  // id not a string
        ("XRANGE", .array([.array([.bulk("1-0".bytes), .array([.bulk("p".bytes), .integer(3)])])])),  // value
        ("XRANGE", .bulk("entries".bytes)),
        ("XREADGROUP", .array([.array([.bulk("s".bytes)])])),  // no entries
        ("XREADGROUP", .array([.array([.null, .array([])])])),  // no stream name
        ("XREADGROUP", .integer(0)),
        ("XCLAIM", .array([.null])),
        ("XCLAIM JUSTID", .array([.array([])])),
        ("XPENDING", .array([.array([.bulk("1-0".bytes), .bulk("c".bytes), .integer(1)])])),
        ("XINFO STREAM", .array([.bulk("length".bytes), .integer(2)])),  // groups missing
        ("XINFO STREAM", .array([.bulk("length".bytes)])),  // odd pairs
        ("HMGET", .array([.null])),  // one value for two fields
        ("HMGET", .array([.integer(1), .null])),
        ("CONFIG GET", .array([.bulk("appendonly".bytes)])),
        ("SMEMBERS", .null),
        ("XADD", .null),
        ("XLEN", .bulk("3".bytes)),
        ("PEXPIRE", .integer(2)),
        ("XGROUP CREATE", .status("QUEUED")),
        ("BLPOP", .array([.bulk("l".bytes)])),
        ("GET", .integer(1)),
        ("EVALSHA t", .integer(1)),
    ])
    func malformedRepliesThrowUnexpectedReply(_ name: String, _ reply: RedisReply) throws {
        let request = try #require(Self.catalog.first { $0.0.name == name }?.0)
        let error = try #require(throws: RedisError.self) { try request.response(to: reply) }
        #expect(error.code == .unexpectedReply)
        #expect(error.command == name)
    }

    @Test func errorRepliesThrowServerErrorsNamingTheCommand() throws {
        let error = try #require(throws: RedisError.self) {
            try XGROUP.CREATE("s", group: "g", after: "0", makeStream: true).response(
                to: .error("BUSYGROUP Consumer Group name already exists"))
        }
        #expect(error.code == .server)
        #expect(error.serverErrorPrefix == "BUSYGROUP")
        #expect(error.command == "XGROUP CREATE")
    }

    @Test func aSlotReadBeyondTheRepliesIsATypedError() throws {
        var pipeline = RedisPipeline()
        let length = pipeline.append(XLEN("s"))
        let replies = RedisPipeline.Replies(replies: [])
        let error = try #require(throws: RedisError.self) { try replies[length] }
        #expect(error.code == .unexpectedReply)
    }

    @Test func everyCommandDecodesAWellFormedReply() throws {
        for (request, reply) in Self.catalog {
            #expect(throws: Never.self, "\(request.name)") { try request.response(to: reply) }
        }
    }

    /// Every single change of every well-formed reply (a node replaced, an element removed or added) through
    /// every decoder: each decodes or throws a `RedisError`, none traps.
    @Test func alteredRepliesNeverCrashADecoder() {
        var checked = 0
        for (_, reply) in Self.catalog {
            for altered in Self.alterations(of: reply) {
                for (request, _) in Self.catalog { _ = try? request.response(to: altered) }
                checked += 1
            }
        }
        #expect(checked > 500)
    }

    /// One command of each kind in the catalog, with a well-formed reply.
    static let catalog: [(any RedisRequest, RedisReply)] = [
        (PING(), .status("PONG")), (AUTH(username: "u", password: "p"), .status("OK")), (SELECT(1), .status("OK")),
        (CLIENT.ID(), .integer(3)), (CLIENT.SETNAME("n"), .status("OK")),
        (CLIENT.UNBLOCK(clientID: 1, error: true), .integer(1)), (CLIENT.KILL(clientID: 1), .integer(1)),
        (CLIENT.INFO(), .bulk("id=3 db=0".bytes)), (CLIENT.LIST(), .bulk("id=3 db=0\n".bytes)),
        (INFO("server"), .bulk("redis_version:7.0.15".bytes)),
        (CONFIG.GET("appendonly"), .array([.bulk("appendonly".bytes), .bulk("yes".bytes)])),
        (CONFIG.RESETSTAT(), .status("OK")), (SCRIPT.LOAD("return 1"), .bulk("e0e1".bytes)),
        (SCRIPT.FLUSH(), .status("OK")),
        (
            RedisScript(name: "t", source: "return 1").call(keys: ["k"]) { reply throws(RedisError) in
                try reply.decodeArray(count: 2)
            }, .array([.integer(1), .null])
        ),
        (DEL(["a"]), .integer(1)), (EXISTS(["a"]), .integer(0)), (PEXPIRE("a", after: .seconds(1)), .integer(1)),
        (PTTL("a"), .integer(-2)), (KEYS("*"), .array([.bulk("a".bytes)])), (MEMORY.USAGE("a"), .integer(72)),
        (GET("a"), .bulk([0])), (SET("a", []), .status("OK")), (INCR("a"), .integer(1)), (APPEND("a", []), .integer(0)),
        (RPUSH("l", []), .integer(1)), (LRANGE("l", 0, -1), .array([.bulk("x".bytes)])),
        (BLPOP(["l"], timeout: .seconds(1)), .array([.bulk("l".bytes), .bulk("x".bytes)])),
        (HMGET("h", fields: ["v", "d"]), .array([.bulk("3".bytes), .null])),
        (HGETALL("h"), .array([.bulk("v".bytes), .bulk("3".bytes), .bulk("d".bytes), .bulk([0, 1])])),
        (UNLINK(["a"]), .integer(1)),
        (SCAN(cursor: "0", match: "a*", count: 10), .array([.bulk("0".bytes), .array([.bulk("a".bytes)])])),
        (BGREWRITEAOF(), .status("Background append only file rewriting started")),
        (SMEMBERS("s"), .array([.bulk("a".bytes)])),
        (ZCARD("z"), .integer(0)), (XADD("s", fields: []), .bulk("1-0".bytes)), (XLEN("s"), .integer(1)),
        (XDEL("s", ids: ["1-0"]), .integer(1)), (XRANGE("s", count: 1), .array([entry])),
        (XREAD("s", after: "$"), .array([.array([.bulk("s".bytes), .array([entry])])])),
        (
            XREADGROUP(group: "g", consumer: "c", stream: "s"),
            .array([.array([.bulk("s".bytes), .array([entry, .array([.bulk("2-0".bytes), .null])])])])
        ),
        (XGROUP.CREATE("s", group: "g", after: "0", makeStream: true), .status("OK")),
        (XACK("s", group: "g", ids: ["1-0"]), .integer(1)),
        (XCLAIM("s", group: "g", consumer: "c", minIdle: .zero, ids: ["1-0"]), .array([entry])),
        (
            XCLAIM.JUSTID(XCLAIM("s", group: "g", consumer: "c", minIdle: .zero, ids: ["1-0"])),
            .array([.bulk("1-0".bytes)])
        ),
        (
            XPENDING("s", group: "g", count: 1),
            .array([.array([.bulk("1-0".bytes), .bulk("c".bytes), .integer(12), .integer(3)])])
        ),
        (
            XINFO.STREAM("s"),
            .array([
                .bulk("length".bytes), .integer(2), .bulk("groups".bytes), .integer(1),
                .bulk("last-generated-id".bytes), .bulk("2-0".bytes), .bulk("entries-added".bytes), .integer(9),
                .bulk("first-entry".bytes), entry,
            ])
        ),
    ]

    /// Replies differing from `reply` by one change.
    static func alterations(of reply: RedisReply) -> [RedisReply] {
        let leaves: [RedisReply] = [
            .null, .integer(-1), .integer(2), .status("OK"), .error("ERR x"), .bulk([]), .bulk([0xFF, 0xFE]),
            .array([]),
        ]
        var altered = leaves.filter { $0 != reply }
        guard case .array(let elements) = reply else { return altered }
        altered.append(.array(elements + [.bulk("x".bytes)]))
        for index in elements.indices {
            var removed = elements
            removed.remove(at: index)
            altered.append(.array(removed))
            for alteration in alterations(of: elements[index]) {
                var changed = elements
                changed[index] = alteration
                altered.append(.array(changed))
            }
        }
        return altered
    }
}
