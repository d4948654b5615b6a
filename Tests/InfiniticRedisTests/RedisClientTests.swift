import Foundation
import TestSupport
import Testing

@testable import InfiniticRedis

@Suite("Redis client")
struct RedisClientTests {
    @Test func sha1MatchesRedis() async throws {
        let client = try await TestRedis.client()
        #expect(RedisScript(name: "t", source: "return 1").sha1 == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
        let source = "return {KEYS[1], ARGV[1]}"
        #expect(try await client.send(SCRIPT.LOAD(source)) == RedisScript(name: "t", source: source).sha1)
    }

    @Test func commandsRoundTripBinarySafeValues() async throws {
        let client = try await TestRedis.client()
        let key = "bin-\(UUID())"
        let value: [UInt8] = [0, 13, 10, 255, 0, 36, 42]
        try await client.send(SET(key, value))
        #expect(try await client.send(GET(key)) == value)
        try await client.send(SET(key, []))
        #expect(try await client.send(GET(key)) == [])
        #expect(try await client.send(GET("missing-\(UUID())")) == nil)
    }

    /// Replies larger than a read, nested ones, and many small ones behind them in one pipeline: the reply parser
    /// reads hiredis' buffer across reads and drops what it consumed, without losing the replies that follow.
    @Test func largeNestedAndManySmallRepliesInOnePipeline() async throws {
        let client = try await TestRedis.client()
        let key = "large-\(UUID())"
        let large = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let script = RedisScript(
            name: "nested", source: "local t = {} for i = 1, 5000 do t[i] = {i, tostring(i)} end return t")
        client.register([script])
        var pipeline = RedisPipeline()
        let set = pipeline.append(SET(key, large))
        let gets = (0..<3).map { _ in pipeline.append(GET(key)) }
        let nested = pipeline.append(
            script.call(keys: [], arguments: RedisCommand.argumentList()) { reply throws(RedisError) in
                reply.array ?? []
            })
        let counter = "counter-\(UUID())"
        let small = (0..<2_000).map { _ in pipeline.append(INCR(counter)) }
        let replies = try await client.send(pipeline)
        try replies[set]
        for get in gets { #expect(try replies[get] == large) }
        let elements = try replies[nested]
        #expect(elements.count == 5_000)
        #expect(elements.last == .array([.integer(5_000), .bulk(Array("5000".utf8))]))
        for (index, increment) in small.enumerated() { #expect(try replies[increment] == index + 1) }
        #expect(try await client.send(GET(key)) == large, "the connection goes on")
    }

    @Test func pipelineKeepsOrderAndReturnsErrorsInPlace() async throws {
        let client = try await TestRedis.client()
        let key = "pipe-\(UUID())"
        var pipeline = RedisPipeline()
        let set = pipeline.append(SET(key, "a".bytes))
        let increment = pipeline.append(INCR(key))
        let append = pipeline.append(APPEND(key, "b".bytes))
        let get = pipeline.append(GET(key))
        let replies = try await client.send(pipeline)
        try replies[set]
        do {
            _ = try replies[increment]
            Issue.record("expected an error reply")
        } catch {
            #expect(error.code == .server)
            #expect(error.serverErrorPrefix == "ERR")
            #expect(error.command == "INCR")
        }
        #expect(try replies[append] == 2)
        #expect(try replies[get] == "ab".bytes)
    }

    @Test func serverErrorsAreTypedAndLeaveTheConnectionUsable() async throws {
        let client = try await TestRedis.client()
        let key = "wrongtype-\(UUID())"
        try await client.send(SET(key, "x".bytes))
        do {
            try await client.send(RPUSH(key, ["y".bytes]))
            Issue.record("expected WRONGTYPE")
        } catch let error as RedisError {
            #expect(error.code == .server)
            #expect(error.serverErrorPrefix == "WRONGTYPE")
            #expect(error.command == "RPUSH")
        }
        #expect(try await client.send(PING()) == "PONG")
    }

    /// Each of 500 concurrent callers gets its own reply: a value only its command can return (replies handed to
    /// the wrong callers would show as a mismatch).
    @Test func concurrentCallersArePipelinedAndAnsweredInOrder() async throws {
        let client = try await TestRedis.client()
        let prefix = "caller-\(UUID())-"
        var setup = RedisPipeline()
        for index in 0..<500 { _ = setup.append(SET(prefix + "\(index)", "value \(index)".bytes)) }
        _ = try await client.send(setup)
        let mismatches = try await withThrowingTaskGroup(of: Int?.self) { group in
            for index in 0..<500 {
                group.addTask {
                    try await client.send(GET(prefix + "\(index)")) == "value \(index)".bytes ? nil : index
                }
            }
            return try await group.reduce(into: [Int]()) { if let index = $1 { $0.append(index) } }
        }
        #expect(mismatches.isEmpty, "callers answered with another caller's reply: \(mismatches.prefix(10))")
    }

    @Test func scriptsAreReloadedAfterScriptFlush() async throws {
        // A server of its own: a flush on the shared one would race the other tests' script calls.
        let server = try await RedisServerProcess.start(appendOnly: false)
        defer { server.stopAndRemoveData() }
        let client = try RedisClient(url: server.url)
        let script = RedisScript(name: "echo", source: "return ARGV[1] .. '\(UUID())'")
        client.register([script])
        func echo(_ text: String) -> EVALSHA<String> {
            var arguments = RedisCommand.argumentList()
            arguments.append(text)
            return script.call(keys: [], arguments: arguments) { reply throws(RedisError) in try reply.decodeString() }
        }
        try await client.send(SCRIPT.FLUSH())
        var pipeline = RedisPipeline()
        let first = pipeline.append(echo("a"))
        #expect(try await client.send(pipeline)[first].hasPrefix("a"))
        try await client.send(SCRIPT.FLUSH())
        #expect(try await client.send(echo("b")).hasPrefix("b"))
        // A detached call (the renewals' way) answered NOSCRIPT loads the script through the async path.
        try await client.send(SCRIPT.FLUSH())
        let detached = try await withCheckedThrowingContinuation { continuation in
            client.sendDetached(echo("c").command) { continuation.resume(with: $0) }
        }
        #expect(detached.string?.hasPrefix("c") == true)
    }

    @Test func aSyncConnectionSendsCommandsAndPipelines() async throws {
        let server = try await TestRedis.server()
        let connection = try RedisSyncConnection(configuration: RedisConfiguration(port: server.port))
        let key = "sync-\(UUID())"
        #expect(try connection.send(INCR(key)) == 1)
        var pipeline = RedisPipeline()
        let increments = (0..<3).map { _ in pipeline.append(INCR(key)) }
        let wrong = pipeline.append(RPUSH(key, ["x".bytes]))
        let replies = try connection.send(pipeline)
        #expect(try increments.map { try replies[$0] } == [2, 3, 4])
        #expect(throws: RedisError.self) { try replies[wrong] }
        #expect(try connection.send(DEL([key])) == 1)
    }

    @Test func cancellingABlockedReadReturnsPromptly() async throws {
        let client = try await TestRedis.client()
        let connection = client.makeBlockingConnection(longestBlock: .seconds(30))
        try await connection.connect()
        let started = ContinuousClock.now
        let task = Task {
            try await client.blockingSend(BLPOP(["nothing-\(UUID())"], timeout: .seconds(20)), on: connection)
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(started.duration(to: .now) < .seconds(5))
        // The connection is still usable after the unblock.
        #expect(try await connection.send(PING()) == "PONG")
        connection.close()
    }

    /// Ended at any moment — its task cancelled, or its consumer's stop flag set and `unblock` called as
    /// `PartitionConsumer.stop()` does — even while its connection is still connecting or before Redis blocked it
    /// (a `CLIENT UNBLOCK` sent then would find nothing to unblock), a blocking read returns at once.
    @Test(arguments: [false, true])
    func endingABlockingReadAtAnyMomentReturnsPromptly(byStopFlag: Bool) async throws {
        let client = try await TestRedis.client()
        var slowest = Duration.zero
        for round in 0..<40 {
            // Every other round on a connection that has not connected yet.
            let connection = client.makeBlockingConnection(longestBlock: .seconds(30))
            defer { connection.close() }
            if round % 2 == 0 { try await connection.connect() }
            let stop = CancelFlag()
            let started = ContinuousClock.now
            let task = Task {
                let read = BLPOP(["nothing-\(UUID())"], timeout: .seconds(20))
                return try await byStopFlag
                    ? client.blockingSend(read, on: connection, stop: stop) : client.blockingSend(read, on: connection)
            }
            if round % 4 != 0 { try await Task.sleep(for: .microseconds(round * 50)) }
            if byStopFlag {
                stop.set()
                client.unblock(connection)
            } else {
                task.cancel()
            }
            let result = await task.result
            #expect(throws: CancellationError.self) { try result.get() }
            slowest = max(slowest, started.duration(to: .now))
        }
        #expect(slowest < .seconds(5), "the slowest read took \(slowest) to end")
    }

    @Test func aKilledConnectionFailsInFlightCommandsThenReconnects() async throws {
        let client = try await TestRedis.client()
        let connection = RedisConnection(configuration: client.configuration)
        try await connection.connect()
        let id = try #require(connection.clientID)
        let blocked = Task {
            try await connection.send(BLPOP(["never-\(UUID())"], timeout: .seconds(10)))
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await client.send(CLIENT.KILL(clientID: id)) == 1)
        do {
            _ = try await blocked.value
            Issue.record("expected the killed connection to fail")
        } catch let error as RedisError {
            #expect(error.code == .connectionLost)
        }
        #expect(try await connection.send(PING()) == "PONG")
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
            try await connection.send(BLPOP(["never-\(UUID())"], timeout: .seconds(2)))
            Issue.record("expected a timeout")
        } catch let error as RedisError {
            #expect(error.code == .timeout)
        }
        #expect(try await connection.send(PING()) == "PONG")
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
        try await client.send(SET("where", "db3".bytes))
        let info = try await client.send(CLIENT.INFO())
        #expect(info.contains("db=3"))
        #expect(info.contains("user=app"))

        let wrong = try RedisClient(url: "redis://app:wrong@127.0.0.1:\(server.port)")
        do {
            try await wrong.ping()
            Issue.record("expected an authentication failure")
        } catch let error as RedisError {
            #expect(error.code == .authenticationFailed)
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

    @Test func errorsNeverShowThePassword() throws {
        let error = try #require(throws: RedisError.self) {
            try RedisConfiguration(url: "redis://u:topsecret@h:bad")
        }
        #expect(!"\(error)".contains("topsecret") && "\(error)".contains("***"), "\(error)")
    }
}
