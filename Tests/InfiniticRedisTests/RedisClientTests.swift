import Foundation
import TestSupport
import Testing

@testable import InfiniticRedis

@Suite("Redis client")
struct RedisClientTests {
    @Test func sha1MatchesRedis() async throws {
        let client = try await TestRedis.client()
        #expect(SHA1.hexDigest("return 1") == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
        let source = "return {KEYS[1], ARGV[1]}"
        let reply = try await client.send(RedisCommand(["SCRIPT", "LOAD", source]))
        #expect(reply.string == RedisScript(name: "t", source: source).sha1)
    }

    @Test func commandsRoundTripBinarySafeValues() async throws {
        let client = try await TestRedis.client()
        let key = "bin-\(UUID())"
        let value: [UInt8] = [0, 13, 10, 255, 0, 36, 42]
        var set = RedisCommand("SET")
        set.append(key)
        set.append(bytes: value)
        #expect(try await client.send(set) == .status("OK"))
        #expect(try await client.send(RedisCommand(["GET", key])) == .bulk(value))
        var empty = RedisCommand("SET")
        empty.append(key)
        empty.append("")
        try await client.send(empty)
        #expect(try await client.send(RedisCommand(["GET", key])) == .bulk([]))
        #expect(try await client.send(RedisCommand(["GET", "missing-\(UUID())"])) == .null)
    }

    @Test func pipelineKeepsOrderAndReturnsErrorsInPlace() async throws {
        let client = try await TestRedis.client()
        let key = "pipe-\(UUID())"
        let replies = try await client.pipeline([
            RedisCommand(["SET", key, "a"]), RedisCommand(["INCR", key]), RedisCommand(["APPEND", key, "b"]),
            RedisCommand(["GET", key]),
        ])
        #expect(replies[0] == .status("OK"))
        guard case .error(let message) = replies[1] else {
            Issue.record("expected an error reply, got \(replies[1])")
            return
        }
        #expect(message.hasPrefix("ERR"))
        #expect(replies[2] == .integer(2))
        #expect(replies[3] == .bulk("ab".bytes))
    }

    @Test func serverErrorsAreTypedAndLeaveTheConnectionUsable() async throws {
        let client = try await TestRedis.client()
        let key = "wrongtype-\(UUID())"
        try await client.send(RedisCommand(["SET", key, "x"]))
        do {
            try await client.send(RedisCommand(["LPUSH", key, "y"]))
            Issue.record("expected WRONGTYPE")
        } catch let error as RedisError {
            #expect(error.code == .server)
            #expect(error.serverErrorPrefix == "WRONGTYPE")
            #expect(error.command == "LPUSH")
        }
        #expect(try await client.send(RedisCommand(["PING"])) == .status("PONG"))
    }

    @Test func concurrentCallersArePipelinedAndAnsweredInOrder() async throws {
        let client = try await TestRedis.client()
        let key = "counter-\(UUID())"
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<500 {
                group.addTask { try await client.send(RedisCommand(["INCR", key])).int ?? -1 }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(Set(results) == Set(1...500))
    }

    @Test func scriptsAreReloadedAfterScriptFlush() async throws {
        let client = try await TestRedis.client()
        let script = RedisScript(name: "echo", source: "return ARGV[1] .. '\(UUID())'")
        client.register([script])
        try await client.send(RedisCommand(["SCRIPT", "FLUSH"]))
        let first = try await client.pipeline([script.invocation(keys: [], arguments: ["a"])])
        #expect(first[0].string?.hasPrefix("a") == true)
        try await client.send(RedisCommand(["SCRIPT", "FLUSH"]))
        #expect(try await client.run(script, keys: [], arguments: ["b"]).string?.hasPrefix("b") == true)
    }

    @Test func cancellingABlockedReadReturnsPromptly() async throws {
        let client = try await TestRedis.client()
        let connection = client.makeBlockingConnection(longestBlock: .seconds(30))
        try await connection.connect()
        let started = ContinuousClock.now
        let task = Task {
            try await client.blockingSend(RedisCommand(["BLPOP", "nothing-\(UUID())", "20"]), on: connection)
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(started.duration(to: .now) < .seconds(5))
        // The connection is still usable after the unblock.
        #expect(try await connection.send(RedisCommand(["PING"])) == .status("PONG"))
        connection.close()
    }

    @Test func aKilledConnectionFailsInFlightCommandsThenReconnects() async throws {
        let client = try await TestRedis.client()
        let connection = RedisConnection(configuration: client.configuration)
        try await connection.connect()
        let id = try #require(connection.clientID)
        let blocked = Task {
            try await connection.send(RedisCommand(["BLPOP", "never-\(UUID())", "10"]))
        }
        try await Task.sleep(for: .milliseconds(200))
        try await client.send(RedisCommand(["CLIENT", "KILL", "ID", String(id)]))
        do {
            _ = try await blocked.value
            Issue.record("expected the killed connection to fail")
        } catch let error as RedisError {
            #expect(error.code == .connectionLost)
        }
        #expect(try await connection.send(RedisCommand(["PING"])) == .status("PONG"))
        #expect(connection.clientID != id)
        connection.close()
    }

    @Test func anUnreachableServerGivesATypedConnectionError() async throws {
        let port = try RedisServerProcess.freeLoopbackPort()
        let connection = RedisConnection(
            configuration: RedisConfiguration(
                port: port, connectTimeout: .seconds(1), reconnectBackoff: .milliseconds(10) ... .milliseconds(50)))
        do {
            try await connection.connect()
            Issue.record("expected a connection failure")
        } catch let error as RedisError {
            #expect(error.code == .connectionFailed)
            #expect(error.isConnectionError)
        }
        connection.close()
    }

    @Test func aReadTimeoutKillsOnlyThatConnection() async throws {
        let server = try await TestRedis.server()
        let connection = RedisConnection(
            configuration: RedisConfiguration(port: server.port, readTimeout: .milliseconds(200)))
        do {
            try await connection.send(RedisCommand(["BLPOP", "never-\(UUID())", "2"]))
            Issue.record("expected a timeout")
        } catch let error as RedisError {
            #expect(error.code == .timeout)
        }
        #expect(try await connection.send(RedisCommand(["PING"])) == .status("PONG"))
        connection.close()
    }

    @Test func closedConnectionsRefuseCommands() async throws {
        let client = try await TestRedis.client()
        client.close()
        await #expect(throws: RedisError.self) { try await client.ping() }
    }

    @Test func aclUserAndDatabaseFromTheURL() async throws {
        let server = try await RedisServerProcess.start(
            appendOnly: false,
            extraArguments: ["--user", "default", "off", "--user", "app", "on", ">s3cret", "~*", "&*", "+@all"])
        defer { server.stopAndRemoveData() }
        let client = try RedisClient(url: "redis://app:s3cret@127.0.0.1:\(server.port)/3")
        try await client.send(RedisCommand(["SET", "where", "db3"]))
        let info = try await client.send(RedisCommand(["CLIENT", "INFO"])).string ?? ""
        #expect(info.contains("db=3"))
        #expect(info.contains("user=app"))

        let wrong = try RedisClient(url: "redis://app:wrong@127.0.0.1:\(server.port)")
        do {
            try await wrong.ping()
            Issue.record("expected an authentication failure")
        } catch let error as RedisError {
            #expect(error.code == .connectionFailed)
            #expect(error.message.contains("authentication"))
        }
    }
}

@Suite("Redis URL")
struct RedisURLTests {
    @Test func parsesEveryPart() throws {
        let configuration = try RedisConfiguration(url: "redis://alice:p%40ss@cache.local:6380/2")
        #expect(configuration.host == "cache.local")
        #expect(configuration.port == 6380)
        #expect(configuration.username == "alice")
        #expect(configuration.password == "p@ss")
        #expect(configuration.database == 2)
        #expect(configuration.redactedURL == "redis://alice:***@cache.local:6380/2")
    }

    @Test func defaultsAndPasswordOnlyForms() throws {
        let plain = try RedisConfiguration(url: "redis://localhost")
        #expect(plain.port == 6379 && plain.database == 0 && plain.password == nil)
        let passwordOnly = try RedisConfiguration(url: "redis://:secret@h:1")
        #expect(passwordOnly.username == nil && passwordOnly.password == "secret")
        let legacy = try RedisConfiguration(url: "redis://secret@h")
        #expect(legacy.password == "secret")
        let ipv6 = try RedisConfiguration(url: "redis://[::1]:7000")
        #expect(ipv6.host == "::1" && ipv6.port == 7000)
    }

    @Test(arguments: [
        "localhost:6379", "http://h", "rediss://h", "redis://h:0", "redis://h:70000", "redis://h:abc", "redis://h/x",
    ])
    func rejectsInvalidURLs(_ url: String) {
        #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
    }

    @Test func errorsNeverShowThePassword() {
        do {
            _ = try RedisConfiguration(url: "redis://u:topsecret@h:bad")
        } catch {
            #expect(!"\(error)".contains("topsecret"))
        }
    }
}
