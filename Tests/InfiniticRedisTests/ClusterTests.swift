import Foundation
import InfiniticTransport
import TestSupport
import Testing

@testable import InfiniticRedis

/// The cluster client's pure parts: slots, addresses, the slot map, redirections and command keys.
@Suite("Cluster routing, pure")
struct ClusterRoutingTests {
    @Test func hashSlotsMatchRedis() {
        // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
        #expect(HashSlot.of("123456789") == 0x31C3 % 16384)
        #expect(HashSlot.of("foo") == 12182)
        #expect(HashSlot.of("") == 0)
        #expect(HashSlot.of("{user1000}.following") == HashSlot.of("{user1000}.followers"))
        #expect(HashSlot.of("{user1000}.following") == HashSlot.of("user1000"))
        // An empty tag or an unclosed brace: the whole key is hashed.
        #expect(HashSlot.of("{}.a") != HashSlot.of("{}.b"))
        #expect(HashSlot.of("{abc") == HashSlot.of(bytes: Array("{abc".utf8)))
        // Only the first tag counts.
        #expect(HashSlot.of("{a}{b}") == HashSlot.of("a"))
    }

    @Test func aPartitionsKeysShareOneSlot() throws {
        let keyspace = try RedisKeyspace(namespace: "ns", partitions: 16)
        let topic = Topic("jobs", keyed: true)
        for partition in 0..<16 {
            let keys = [
                keyspace.stream(topic, partition: partition), keyspace.scheduled(topic, partition: partition),
                keyspace.scheduledData(topic, partition: partition), keyspace.deadLetters(topic, partition: partition),
                keyspace.lockPrefix(topic, group: "g", partition: partition) + "key-1",
                keyspace.parkPrefix(topic, group: "g", partition: partition) + "key-2",
                keyspace.statePrefix(partition: partition) + "workflow-1",
            ]
            #expect(Set(keys.map(HashSlot.of)).count == 1, "partition \(partition)")
        }
    }

    @Test func endpointsAndClusterURLsParse() throws {
        #expect(RedisEndpoint("10.0.0.1:7000") == RedisEndpoint(host: "10.0.0.1", port: 7000))
        #expect(RedisEndpoint("[::1]:7001") == RedisEndpoint(host: "::1", port: 7001))
        #expect(RedisEndpoint("host") == nil)
        #expect(RedisEndpoint("host:0") == nil)

        let configuration = try RedisConfiguration(url: "redis+cluster://bob:s3cret@a:7000,b:7001,[::1]:7002")
        #expect(configuration.clusterSeeds?.map(\.description) == ["a:7000", "b:7001", "[::1]:7002"])
        #expect(configuration.username == "bob" && configuration.password == "s3cret")
        #expect(configuration.redactedURL == "redis+cluster://bob:***@a:7000,b:7001,[::1]:7002")
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "redis+cluster://") }
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "redis+cluster://a:7000,b") }
        #expect(try RedisConfiguration(url: "redis://a:7000").isCluster == false)
    }

    @Test func theSlotMapReadsClusterSlots() throws {
        func node(_ host: String, _ port: Int) -> RedisReply {
            .array([.bulk(Array(host.utf8)), .integer(Int64(port)), .bulk(Array("id".utf8))])
        }
        let reply = RedisReply.array([
            .array([.integer(0), .integer(5460), node("10.0.0.1", 7000), node("10.0.0.4", 7003)]),
            .array([.integer(5461), .integer(10922), node("", 7001)]),
            .array([.integer(10923), .integer(16383), node("10.0.0.3", 7002)]),
        ])
        let asked = RedisEndpoint(host: "10.0.0.9", port: 7009)
        let topology = try ClusterTopology(slotsReply: reply, answeredBy: asked)
        #expect(topology.master(forSlot: 0) == RedisEndpoint(host: "10.0.0.1", port: 7000))
        #expect(topology.master(forSlot: 5461) == RedisEndpoint(host: "10.0.0.9", port: 7001))
        #expect(topology.master(forSlot: 16383) == RedisEndpoint(host: "10.0.0.3", port: 7002))
        #expect(topology.coversEverySlot)
        #expect(topology.masters.count == 3)

        var moved = topology
        moved.assign(42...42, to: RedisEndpoint(host: "10.0.0.3", port: 7002))
        #expect(moved.master(forSlot: 42) == RedisEndpoint(host: "10.0.0.3", port: 7002))
        #expect(moved.master(forSlot: 43) == RedisEndpoint(host: "10.0.0.1", port: 7000))

        #expect(throws: RedisError.self) {
            try ClusterTopology(
                slotsReply: .array([.array([.integer(0), .integer(99_999), node("a", 1)])]), answeredBy: asked)
        }
        #expect(throws: RedisError.self) { try ClusterTopology(slotsReply: .bulk([1]), answeredBy: asked) }
    }

    @Test func redirectionsAreRecognised() {
        #expect(
            ClusterRedirection(.error("MOVED 3999 127.0.0.1:6381"))
                == .moved(slot: 3999, to: RedisEndpoint(host: "127.0.0.1", port: 6381)))
        #expect(
            ClusterRedirection(.error("ASK 3999 127.0.0.1:6381"))
                == .ask(slot: 3999, to: RedisEndpoint(host: "127.0.0.1", port: 6381)))
        #expect(ClusterRedirection(.error("TRYAGAIN Multiple keys request during rehashing of slot")) == .retryLater)
        #expect(ClusterRedirection(.error("CLUSTERDOWN The cluster is down")) == .retryLater)
        #expect(
            ClusterRedirection(
                .error("ERR Error running script: Script attempted to access a non local key in a cluster node"))
                == .retryLater)
        #expect(ClusterRedirection(.error("MOVED 99999 127.0.0.1:6381")) == nil)
        #expect(ClusterRedirection(.error("WRONGTYPE Operation against a key")) == nil)
        #expect(ClusterRedirection(.status("OK")) == nil)
    }

    /// The router's own reading of a command's keys agrees with what each typed command says it touches.
    @Test func commandKeysMatchTheTypedCommands() throws {
        func keys(_ request: some RedisRequest) -> [String] {
            let command = request.command
            return command.keyRanges.map { String(decoding: command.bytes[$0], as: UTF8.self) }
        }
        func check(_ request: some RedisRequest, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(keys(request) == request.keys, "\(request.name)", sourceLocation: sourceLocation)
        }
        check(PING())
        check(INFO("server"))
        check(KEYS("ns:*"))
        check(SCAN(cursor: "0", match: "a*"))
        check(GET("{a}k"))
        check(SET("{a}k", [1]))
        check(DEL(["{a}1", "{a}2"]))
        check(EXISTS(["{a}1"]))
        check(HGETALL("{a}h"))
        check(HMGET("{a}h", fields: ["v", "d"]))
        check(XADD("{a}s", fields: [RedisStreamEntry.Field("p", [1])]))
        check(XREADGROUP(group: "g", consumer: "c", stream: "{a}s", count: 10, block: .seconds(1)))
        check(XREAD("{a}s", after: "0-0", count: 1, block: .seconds(1)))
        check(XGROUP.CREATE("{a}s", group: "g", after: "0", makeStream: true))
        check(XACK("{a}s", group: "g", ids: ["1-0"]))
        check(XRANGE("{a}s", count: 5))
        check(StreamScripts.commit.call(keys: ["{a}s", "{a}t"]))
        check(CLUSTER.SLOTS(answeredBy: RedisEndpoint(host: "h", port: 1)))
    }

    @Test func aScriptWhoseKeysSpanSlotsIsRefusedBeforeItIsSent() throws {
        let call = StreamScripts.commit.call(keys: ["{a}stream", "{b}stream"])
        #expect(throws: RedisError.self) { try call.command.slot() }
        #expect(try StreamScripts.commit.call(keys: ["{a}x", "{a}y"]).command.slot() == HashSlot.of("a"))
        #expect(try PING().command.slot() == nil)
    }
}

/// The cluster client and the transport on a real local Redis Cluster (3 masters on loopback ports).
@Suite("Redis Cluster", .serialized)
struct RedisClusterTests {
    @Test func commandsGoToTheMasterOfTheirSlotAndPipelinesSpanMasters() async throws {
        let client = try await TestCluster.client()
        defer { client.close() }
        try await client.ping()
        let masters = try await client.masters()
        #expect(masters.count == 3)

        let prefix = TestRedis.uniqueNamespace("route")
        var pipeline = RedisPipeline()
        var sets: [RedisPipeline.Slot<SET>] = []
        for index in 0..<300 {
            sets.append(pipeline.append(SET("\(prefix):{\(index)}", Array("value-\(index)".utf8))))
        }
        let replies = try await client.send(pipeline)
        for slot in sets { _ = try replies[slot] }

        var reads = RedisPipeline()
        var gets: [RedisPipeline.Slot<GET>] = []
        for index in 0..<300 { gets.append(reads.append(GET("\(prefix):{\(index)}"))) }
        let values = try await client.send(reads)
        for (index, slot) in gets.enumerated() {
            #expect(try values[slot].map { String(decoding: $0, as: UTF8.self) } == "value-\(index)")
        }

        // Each master holds the keys of its own slots, and every master holds some.
        let perMaster = try await client.sendToEveryMaster(KEYS("\(prefix):*"))
        #expect(perMaster.count == 3)
        #expect(perMaster.allSatisfy { !$0.response.isEmpty })
        #expect(perMaster.reduce(0) { $0 + $1.response.count } == 300)
    }

    /// `sendDetached` (the renewals' way, off the cooperative pool) writes each command straight to the master of
    /// its key's slot: no master answers one with a redirection (a redirected command counts as a rejected call in
    /// `INFO commandstats`; the control at the end shows that the count sees one). `STRLEN`: no other test uses it.
    @Test func detachedCommandsGoToTheMasterOfTheirSlot() async throws {
        let client = try await TestCluster.client()
        defer { client.close() }
        let prefix = TestRedis.uniqueNamespace("detached")
        func strlen(_ key: String) -> RedisCommand {
            var command = RedisCommand.argumentList()
            command.append(contentsOf: ["STRLEN", key])
            return command
        }
        func rejected() async throws -> Int {
            try await client.sendToEveryMaster(INFO("commandstats")).reduce(0) { total, master in
                let line = master.response.split(whereSeparator: \.isNewline).first { $0.hasPrefix("cmdstat_strlen:") }
                let field = line?.split(separator: ",").first { $0.hasPrefix("rejected_calls=") }
                return total + (field.flatMap { Int($0.dropFirst("rejected_calls=".count)) } ?? 0)
            }
        }
        let keys = (0..<30).map { "\(prefix):{\($0)}" }
        for key in keys { try await client.send(SET(key, Array("value of \(key)".utf8))) }
        let before = try await rejected()
        for key in keys {
            let reply = try await withCheckedThrowingContinuation { continuation in
                client.sendDetached(strlen(key)) { continuation.resume(with: $0) }
            }
            #expect(reply == .integer(Int64("value of \(key)".utf8.count)))
        }
        #expect(try await rejected() == before, "a master redirected a detached command")

        // The control: the same command sent to a master that does not serve the key's slot is redirected, and counted.
        let masters = try await client.masters()
        var owner: RedisEndpoint?
        for endpoint in masters where try await self.owner(of: HashSlot.of(keys[0]), askedTo: endpoint) == endpoint {
            owner = endpoint
        }
        let other = try #require(masters.first { $0 != owner })
        let wrong = RedisConnection(configuration: RedisConfiguration(host: other.host, port: other.port))
        defer { wrong.close() }
        let redirected = try await wrong.pipeline([strlen(keys[0])])
        #expect(redirected[0].description.contains("MOVED"))
        #expect(try await rejected() == before + 1)
    }

    @Test func aCrossSlotScriptIsRefusedWithAClearError() async throws {
        let client = try await TestCluster.client()
        defer { client.close() }
        client.register(StreamScripts.all)
        do {
            _ = try await client.send(StreamScripts.trimAcknowledged.call(keys: ["{a}s", "{b}s"]))
            Issue.record("a script over two slots was sent")
        } catch let error as RedisError {
            #expect(error.code == .crossSlot)
            #expect(error.message.contains("hash tag"))
        }
    }

    /// A slot moved to another master behind the client's back: the client follows `MOVED` and keeps working,
    /// blocking reads included.
    @Test func theClientFollowsASlotThatMoved() async throws {
        let cluster = try await TestCluster.cluster()
        let client = try await TestCluster.client()
        defer { client.close() }
        let key = "\(TestRedis.uniqueNamespace("moved")):{moving-\(UUID().uuidString.prefix(6))}"
        try await client.send(SET(key, Array("before".utf8)))
        let slot = HashSlot.of(key)
        let masters = try await client.masters()
        var owner: RedisEndpoint?
        for endpoint in masters where try await self.owner(of: slot, askedTo: endpoint) == endpoint {
            owner = endpoint
        }
        let source = try #require(owner)
        let target = try #require(masters.first { $0 != source })
        try await migrate(slot: slot, key: key, from: source, to: target, cluster: cluster)

        // The client still believes `source` serves the slot: it is answered MOVED and follows.
        #expect(try await client.send(GET(key)).map { String(decoding: $0, as: UTF8.self) } == "before")
        try await client.send(SET(key, Array("after".utf8)))
        let direct = RedisConnection(configuration: RedisConfiguration(host: target.host, port: target.port))
        defer { direct.close() }
        #expect(try await direct.send(GET(key)).map { String(decoding: $0, as: UTF8.self) } == "after")

        // A blocking read on a stream of the moved slot, through a connection first pointed at the old master.
        let stream = key + ":stream"
        try await client.send(XADD(stream, fields: [RedisStreamEntry.Field("p", Array("x".utf8))]))
        let blocking = client.makeBlockingConnection(longestBlock: .seconds(2))
        defer { blocking.close() }
        let entries = try await client.blockingSend(
            XREAD(stream, after: "0-0", count: 1, block: .seconds(1)), on: blocking)
        #expect(entries.count == 1)
        #expect(blocking.endpoint == target)
    }

    private func owner(of slot: Int, askedTo endpoint: RedisEndpoint) async throws -> RedisEndpoint? {
        let connection = RedisConnection(configuration: RedisConfiguration(host: endpoint.host, port: endpoint.port))
        defer { connection.close() }
        return try await connection.send(CLUSTER.SLOTS(answeredBy: endpoint)).master(forSlot: slot)
    }

    /// Moves `slot` (holding `key`) from `source` to `target` the way `redis-cli --cluster reshard` does.
    private func migrate(
        slot: Int, key: String, from source: RedisEndpoint, to target: RedisEndpoint, cluster: RedisClusterProcess
    ) async throws {
        let sourceConnection = RedisConnection(configuration: RedisConfiguration(host: source.host, port: source.port))
        let targetConnection = RedisConnection(configuration: RedisConfiguration(host: target.host, port: target.port))
        defer {
            sourceConnection.close()
            targetConnection.close()
        }
        let sourceID = try await nodeID(sourceConnection)
        let targetID = try await nodeID(targetConnection)
        _ = try await raw(targetConnection, ["CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceID])
        _ = try await raw(sourceConnection, ["CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetID])
        _ = try await raw(sourceConnection, ["MIGRATE", target.host, String(target.port), key, "0", "5000"])
        for connection in [targetConnection, sourceConnection] {
            _ = try await raw(connection, ["CLUSTER", "SETSLOT", String(slot), "NODE", targetID])
        }
        // Let the other masters learn the new owner too.
        try await cluster.waitUntilHealthy()
    }

    private func nodeID(_ connection: RedisConnection) async throws -> String {
        try #require(try await raw(connection, ["CLUSTER", "MYID"]).string)
    }

    private func raw(_ connection: RedisConnection, _ arguments: [String]) async throws -> RedisReply {
        var command = RedisCommand.argumentList()
        command.append(contentsOf: arguments)
        let reply = try await connection.pipeline([command])[0]
        if case .error(let message) = reply { throw RedisError(.server, message, command: arguments.first) }
        return reply
    }
}
