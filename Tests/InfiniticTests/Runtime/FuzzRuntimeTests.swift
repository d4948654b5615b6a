import Foundation
import InfiniticRedis
import TestSupport
import Testing

@testable import Infinitic

/// Random and mutated entries pushed with raw `XADD`s on every topic of a running fleet while legitimate
/// workflows run: every workflow completes once with its outcome, every bad entry ends in its topic's dead
/// letters with a reason, nothing stays pending and the consumers keep going.
///
/// `INFINITIC_FUZZ_ENTRIES` sets how many bad entries (default 400, a few seconds); `INFINITIC_FUZZ_SEED` the seed.
@Suite(.serialized, .timeLimit(.minutes(60))) struct FuzzRuntimeTests {
    static let entries = ProcessInfo.processInfo.environment["INFINITIC_FUZZ_ENTRIES"].flatMap { Int($0) } ?? 400
    static let seed =
        ProcessInfo.processInfo.environment["INFINITIC_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...9999)
    /// The fleet refuses payloads above this (`RedisStreamsConfiguration.maxMessageBytes`).
    static let maxMessageBytes = 64 * 1024

    @Test func badEntriesOnEveryTopicNeitherStallNorCorruptTheFleet() async throws {
        let server = try await TestRedis.server()
        var configuration = try RedisStreamsConfiguration(url: server.url, namespace: TestRedis.uniqueNamespace("fuzz"))
        configuration.maxMessageBytes = Self.maxMessageBytes
        let transport = try await RedisStreamsTransport.connect(configuration: configuration)
        let workflows = max(10, Self.entries / 200)
        let started = ContinuousClock.now
        let pushed = try await RuntimeSystem.run(.redis, transport: transport) { system in
            let topics = Self.topics(clientName: system.client.name)
            var generator = FuzzEntries(seed: Self.seed, codec: BinaryPayloadCodec())
            let trips = system.client.workflow(TripsStub.self)
            // Legitimate work, before, during and after the bad entries.
            let (pushed, results) = try await withThrowingTaskGroup(
                of: (Int, [String]).self, returning: ([String: [String]], [Int: [String]]).self
            ) { group in
                for index in 0..<workflows {
                    group.addTask {
                        if index.isMultiple(of: 2) {
                            return (index, try await trips.sequential("g\(index)").map(\.reference))
                        }
                        return (index, try await trips.parallelAnd("g\(index)"))
                    }
                }
                var pushed: [String: [String]] = [:]
                var remaining = Self.entries
                while remaining > 0 {
                    let count = min(remaining, 200)
                    remaining -= count
                    var pipeline = RedisPipeline()
                    var slots: [(String, RedisPipeline.Slot<XADD>)] = []
                    for _ in 0..<count {
                        let topic = topics.randomElement(using: &generator.random)!
                        let fields = generator.next(for: topic)
                        let stream = transport.keyspace.stream(topic, partition: 0)
                        slots.append((topic.name, pipeline.append(XADD(stream, fields: fields))))
                    }
                    let replies = try await transport.client.send(pipeline)
                    for (topic, slot) in slots { pushed[topic, default: []].append(try replies[slot]) }
                }
                var results: [Int: [String]] = [:]
                for try await (index, result) in group { results[index] = result }
                return (pushed, results)
            }
            for index in 0..<workflows {
                let guest = "g\(index)"
                let expected =
                    index.isMultiple(of: 2)
                    ? ["H-\(guest)-2", "F-\(guest)"] : ["H-\(guest)-1", "F-\(guest)", "H-\(guest)-1", "H-\(guest)-3"]
                #expect(results[index] == expected)
            }
            // Every consumer still works.
            #expect(try await trips.sequential("after").map(\.reference) == ["H-after-2", "F-after"])
            // Every bad entry is in its topic's dead letters with a reason; nothing stays in any stream.
            for topic in topics {
                let ids = Set(pushed[topic.name] ?? [])
                try await eventually("\(ids.count) dead letters of \(topic.name)", timeout: .seconds(120)) {
                    let letters = try await transport.deadLetters(of: topic, limit: 10_000_000)
                    return ids.isSubset(of: Set(letters.map(\.originalID)))
                }
                let letters = try await transport.deadLetters(of: topic, limit: 10_000_000)
                for letter in letters where ids.contains(letter.originalID) {
                    #expect(!letter.reason.isEmpty)
                }
                let stream = transport.keyspace.stream(topic, partition: 0)
                try await eventually("\(topic.name) emptied") { try await transport.client.send(XLEN(stream)) == 0 }
            }
            return pushed.values.reduce(0) { $0 + $1.count }
        }
        let elapsed = ContinuousClock.now - started
        print(
            "fuzz: \(pushed) bad entries on \(Self.topics(clientName: "c").count) topics, \(workflows) workflows, seed \(Self.seed), \(elapsed)"
        )
    }

    /// Copies of a running workflow's message, one under another key, one without a key: both are dead-lettered
    /// with their reason, and the workflow ends once (before, such a copy ran beside the real messages and
    /// re-created the instance once it had ended: a second outcome).
    @Test func misroutedCopiesOfAWorkflowsMessageAreDeadLetteredAndRunNothing() async throws {
        try await RuntimeSystem.run(.redis) { system in
            let transport = try #require(system.transport as? RedisStreamsTransport)
            let trips = system.client.workflow(TripsStub.self)
            let handle = try await system.client.dispatch { try await trips.sequential("real") }
            var entries = FuzzEntries(seed: Self.seed, codec: BinaryPayloadCodec())
            let copy = entries.engineMessage(workflowName: "Trips", workflowId: handle.id)
            let topic = Topics.workflowEngine("Trips")
            let stream = transport.keyspace.stream(topic, partition: 0)
            try await transport.client.send(XADD(stream, fields: [.init("k", "elsewhere"), .init("p", copy)]))
            try await transport.client.send(XADD(stream, fields: [.init("p", copy)]))
            #expect(try await handle.result().map(\.reference) == ["H-real-2", "F-real"])
            try await eventually("both copies dead-lettered") {
                try await transport.deadLetters(of: topic, limit: 10).count == 2
            }
            let reasons = try await transport.deadLetters(of: topic, limit: 10).map(\.reason)
            #expect(reasons.contains { $0.contains("its key 'elsewhere' is not the workflow id") }, "\(reasons)")
            #expect(reasons.contains { $0.contains("it has no key") }, "\(reasons)")
            try await eventually("the ended instance's state is gone") {
                try await !system.hasState("Trips", id: handle.id)
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await !system.hasState("Trips", id: handle.id), "nothing re-created the instance")
        }
    }

    /// Every topic a fleet of the runtime fixtures reads.
    static func topics(clientName: String) -> [Topic] {
        let workflows = RuntimeFixtures.workflows.map(\.name)
        let services = RuntimeFixtures.services(Controls()).map(\.name)
        return workflows.flatMap { [Topics.workflowEngine($0), Topics.workflowExecutor($0), Topics.workflowTag($0)] }
            + services.flatMap { [Topics.serviceExecutor($0), Topics.serviceTag($0)] } + [Topics.client(clientName)]
    }
}

/// Bad stream entries of many kinds, drawn from a seed.
struct FuzzEntries {
    var random: SplitMix64
    let codec: any PayloadCodec

    init(seed: UInt64, codec: any PayloadCodec) {
        random = SplitMix64(seed: seed)
        self.codec = codec
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    /// Random bytes that are never a document of the payload codec (whose first byte is 0xB1).
    mutating func garbage(_ count: Int) -> [UInt8] {
        var value = bytes(max(1, count))
        if value[0] == 0xB1 { value[0] = 0xB0 }
        return value
    }

    mutating func key() -> String { "fz-\(UInt32.random(in: 0...UInt32.max, using: &random))" }

    /// A well-formed engine message of `workflowName` for instance `workflowId`.
    mutating func engineMessage(workflowName: String, workflowId: String) -> [UInt8] {
        let envelope = WorkflowEngineEnvelope(
            messageId: key(), emitterName: "fuzz", emittedAt: Date(), requester: nil,
            message: .dispatchWorkflow(
                DispatchWorkflow(
                    workflowName: workflowName, workflowId: workflowId, methodName: "sequential", arguments: [])))
        return (try? codec.encode(envelope)) ?? []
    }

    mutating func next(for topic: Topic) -> [RedisStreamEntry.Field] {
        let now = String(Int(Date().timeIntervalSince1970 * 1000))
        let workflowName = topic.name.split(separator: ":").dropFirst().first.map(String.init) ?? "Trips"
        switch Int.random(in: 0..<16, using: &random) {
        case 0:
            return [.init("k", key()), .init("p", garbage(Int.random(in: 1...300, using: &random))), .init("t", now)]
        case 1: return [.init("k", key()), .init("t", now)]  // no payload
        case 2: return [.init("k", key()), .init("p", "x"), .init("a", "not-a-number")]
        case 3: return [.init("k", key()), .init("p", "x"), .init("t", "yesterday")]
        case 4: return [.init("k", ""), .init("p", [])]  // empty key and payload
        case 5:  // oversized (the same byte repeated: drawing 64 KB of random bytes costs more than the fleet)
            return [
                .init("k", key()), .init("p", [UInt8](repeating: 0xEE, count: FuzzRuntimeTests.maxMessageBytes + 1)),
            ]
        case 6: return [.init("k", String(repeating: "k", count: 5000)), .init("p", "x")]
        case 7: return [.init("k", key()), .init("p", "x"), .init("version", "2")]  // another format version
        case 8: return [.init("p", [0xB2] + garbage(20))]  // a payload of another codec version
        case 9: return [.init("w", "1"), .init("p", "x")]  // a wake marker with more
        case 10: return [.init("p", "x"), .init("p", "y")]
        case 11:
            // A truncated well-formed message.
            let whole = engineMessage(workflowName: workflowName, workflowId: key())
            return [
                .init("k", key()), .init("p", Array(whole.prefix(Int.random(in: 1..<whole.count, using: &random)))),
            ]
        case 12:
            // A well-formed message whose key is not its workflow id.
            return [.init("k", key()), .init("p", engineMessage(workflowName: workflowName, workflowId: key()))]
        case 13:
            // A well-formed message without a key.
            return [.init("p", engineMessage(workflowName: workflowName, workflowId: key())), .init("t", now)]
        case 14:
            // A well-formed message of another workflow.
            let id = key()
            return [.init("k", id), .init("p", engineMessage(workflowName: "Elsewhere", workflowId: id))]
        default:
            // A random entry: random field names and values.
            var fields: [RedisStreamEntry.Field] = []
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                var name = String(decoding: garbage(Int.random(in: 1...3, using: &random)), as: UTF8.self)
                if name == "w" { name = "ww" }  // a lone `w` field is a wake marker, acknowledged silently
                fields.append(.init(name, garbage(Int.random(in: 0...40, using: &random))))
            }
            return fields
        }
    }
}
