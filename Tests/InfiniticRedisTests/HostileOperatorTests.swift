import Foundation
import InfiniticTransport
import Logging
import TestSupport
import Testing

@testable import InfiniticRedis

/// What an operator can get wrong: start order, credentials, ACLs, killed consumers, durability settings.
@Suite("Hostile operators", .serialized)
struct HostileOperatorTests {
    /// Sends a command the catalog does not need (ACL administration, CONFIG SET) in a test.
    static func admin(_ client: RedisClient, _ arguments: [String]) async throws {
        try await client.send(PermissionProbe(arguments[0].lowercased(), arguments))
    }

    @Test func aTransportWaitsForARedisThatStartsLater() async throws {
        let port = try RedisServerProcess.freeLoopbackPort()
        var configuration = try RedisStreamsConfiguration(url: "redis://127.0.0.1:\(port)")
        configuration.startupRetryLimit = .seconds(30)
        let connecting = Task { try await RedisStreamsTransport.connect(configuration: configuration) }
        try await Task.sleep(for: .seconds(1))
        let server = try await RedisServerProcess.start(port: port)
        defer { server.stopAndRemoveData() }
        let transport = try await connecting.value
        defer { transport.close() }
        try await transport.publish(OutgoingMessage(topic: Topic("late"), payload: [1]))
    }

    @Test func aWrongPasswordIsAnAuthenticationError() async throws {
        let server = try await RedisServerProcess.start(extraArguments: ["--requirepass", "secret"])
        defer { server.stopAndRemoveData() }
        for url in ["redis://:wrong@127.0.0.1:\(server.port)", "redis://127.0.0.1:\(server.port)"] {
            var configuration = try RedisStreamsConfiguration(url: url)
            configuration.startupRetryLimit = .seconds(5)
            let started = ContinuousClock.now
            let error = try await #require(throws: TransportError.self) {
                try await RedisStreamsTransport.connect(configuration: configuration)
            }
            #expect(error.code == .unauthorized, "\(error)")
            #expect(error.message.contains("refused") && !error.message.contains("cannot reach"), "\(error)")
            #expect(ContinuousClock.now - started < .seconds(2), "refused credentials are not retried")
        }
        let good = try RedisStreamsConfiguration(url: "redis://:secret@127.0.0.1:\(server.port)")
        try await RedisStreamsTransport.connect(configuration: good).close()
    }

    @Test func theStartupCheckNamesEveryCommandTheACLRefuses() async throws {
        let server = try await TestRedis.server()
        let admin = try await TestRedis.client()
        defer { admin.close() }
        let user = "worker-\(UUID().uuidString.prefix(6))"
        // The least-privilege user of the README, less TIME (called inside the scripts), XAUTOCLAIM and INFO (run by
        // the broker check, after this one).
        try await Self.admin(
            admin,
            ["ACL", "SETUSER", user, "reset", "on", ">pw", "~*"] + RedisACL.commands + [
                "-time", "-xautoclaim", "-info",
            ])
        let url = "redis://\(user):pw@127.0.0.1:\(server.port)"
        let error = try await #require(throws: TransportError.self) {
            try await RedisStreamsTransport.connect(configuration: RedisStreamsConfiguration(url: url))
        }
        #expect(error.code == .unauthorized)
        #expect(error.message.contains("time, ") || error.message.contains("time ("), "\(error)")
        #expect(error.message.contains("xautoclaim"), "\(error)")
        #expect(error.message.contains("info"), "\(error)")
        // The README's ACL as is allows everything a worker and a client run.
        try await Self.admin(admin, ["ACL", "SETUSER", user, "+time", "+xautoclaim", "+info"])
        let transport = try await RedisStreamsTransport.connect(configuration: RedisStreamsConfiguration(url: url))
        defer { transport.close() }
        let topic = Topic("acl", keyed: true)
        try await transport.publish(OutgoingMessage(topic: topic, key: "a", payload: [1]))
        let handled = Recorder<Int>()
        try await whileConsuming(transport, Subscription(topic: topic, group: "g")) { _ in
            handled.append(1)
            return .ack
        } _: {
            try await eventually("handled as the restricted user") { handled.count == 1 }
        }
    }

    @Test func theREADMEGivesTheACLTheCheckProbes() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let block = try #require(text.components(separatedBy: "ACL SETUSER infinitic").dropFirst().first)
            .components(separatedBy: "```")[0]
        let rules = block.split(whereSeparator: \.isWhitespace).filter { $0.hasPrefix("+") }.map(String.init)
        #expect(Set(rules) == Set(RedisACL.commands))
    }

    @Test func consumersIdleWithNothingPendingAreRemovedFromTheirGroup() async throws {
        let server = try await TestRedis.server()
        var configuration = try RedisStreamsConfiguration(url: server.url, namespace: TestRedis.uniqueNamespace())
        configuration.idleConsumerRemoval = .milliseconds(300)
        let transport = try await RedisStreamsTransport.connect(configuration: configuration)
        defer { transport.close() }
        let topic = Topic("hygiene")
        let stream = transport.keyspace.stream(topic, partition: 0)
        try await transport.client.send(XGROUP.CREATE(stream, group: "g", after: "0", makeStream: true))
        // Killed consumers: each read and acknowledged an entry, then nothing.
        for ghost in ["killed-1", "killed-2"] {
            let id = try await transport.client.send(XADD(stream, fields: [.init("p", "x")]))
            _ = try await transport.client.send(
                XREADGROUP(group: "g", consumer: ghost, stream: stream, count: 1, block: nil))
            try await transport.client.send(XACK(stream, group: "g", ids: [id]))
            try await transport.client.send(XDEL(stream, ids: [id]))
        }
        try await transport.client.send(XADD(stream, fields: [.init("p", "x")]))
        _ = try await transport.client.send(
            XREADGROUP(group: "g", consumer: "holder", stream: stream, count: 1, block: nil))
        let listed = try await transport.client.send(XINFO.CONSUMERS(stream, group: "g"))
        #expect(Set(listed.map(\.name)) == ["killed-1", "killed-2", "holder"])
        let subscription = Subscription(
            topic: topic, group: "g", consumer: "alive", visibilityTimeout: .seconds(30))
        try await whileConsuming(transport, subscription) { _ in
            .ack
        } _: {
            try await eventually("the killed consumers are gone") {
                let names = try await transport.client.send(XINFO.CONSUMERS(stream, group: "g")).map(\.name)
                return !names.contains("killed-1") && !names.contains("killed-2")
            }
            // A consumer holding an entry stays, however idle.
            let names = try await transport.client.send(XINFO.CONSUMERS(stream, group: "g")).map(\.name)
            #expect(names.contains("holder"))
            try await transport.publish(OutgoingMessage(topic: topic, payload: [1]))
            try await eventually("the live consumer still reads") {
                try await transport.client.send(XLEN(stream)) == 1
            }
        }
    }

    @Test func waitingForTheFsyncOfAPublishNeedsAServerThatCanGiveIt() async throws {
        let everysec = try await TestRedis.server()
        var configuration = try RedisStreamsConfiguration(url: everysec.url, namespace: TestRedis.uniqueNamespace())
        configuration.publishDurability = .fsynced
        let error = try await #require(throws: TransportError.self) {
            try await RedisStreamsTransport.connect(configuration: configuration)
        }
        #expect(error.code == .misconfiguredBroker)
        #expect(error.message.contains("appendfsync always"), "\(error)")

        let always = try await RedisServerProcess.start(extraArguments: ["--appendfsync", "always"])
        defer { always.stopAndRemoveData() }
        configuration.redis = try RedisConfiguration(url: always.url)
        let transport = try await RedisStreamsTransport.connect(configuration: configuration)
        defer { transport.close() }
        try await transport.publish(OutgoingMessage(topic: Topic("durable"), payload: [1]))
    }
}
