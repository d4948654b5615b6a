import Foundation
import InfiniticTransport
import Logging
import TestSupport
import Testing

@testable import InfiniticRedis

/// What only a real Redis can show: persistence, memory, crashes of real processes, lost connections and
/// the server configuration check.
@Suite("Redis Streams transport")
struct RedisStreamsTransportTests {
    @Test func messagesSurviveARedisRestart() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stopAndRemoveData() }
        let namespace = TestRedis.uniqueNamespace()
        let topic = Topic("durable", keyed: true)
        do {
            let transport = try await TestRedis.transport(server: server, namespace: namespace)
            try await transport.publish(
                (0..<500).map { OutgoingMessage(topic: topic, key: "k\($0 % 7)", payload: "\($0)".bytes) })
            try await transport.publish(
                OutgoingMessage(topic: topic, payload: "later".bytes, delivery: .after(.milliseconds(500))))
            transport.close()
        }
        try await server.restart()  // SIGTERM flushes the AOF; the new process reloads it
        let transport = try await TestRedis.transport(server: server, namespace: namespace)
        let received = Recorder<String>()
        try await whileConsuming(
            transport, Subscription(topic: topic, group: "g", schedulerInterval: .milliseconds(20))
        ) {
            message in
            received.append(message.payload.text)
            return .ack
        } _: {
            try await eventually("all 501 delivered after the restart") { received.count >= 501 }
        }
        #expect(Set(received.all) == Set((0..<500).map(String.init) + ["later"]))
    }

    @Test func acknowledgedEntriesAreDeletedSoMemoryStaysBounded() async throws {
        let transport = try await TestRedis.transport()
        let client = transport.client
        let topic = Topic("steady")
        let stream = transport.keyspace.stream(topic, partition: 0)
        let handled = Recorder<Int>()
        try await whileConsuming(transport, Subscription(topic: topic, group: "g", concurrency: 64)) { _ in
            handled.append(1)
            return .ack
        } _: {
            for round in 0..<20 {
                try await transport.publish(
                    (0..<1000).map { OutgoingMessage(topic: topic, payload: "payload-\(round)-\($0)".bytes) })
            }
            // Generous: the whole suite shares this Redis and these 2 cores (alone, it takes under a second).
            try await eventually("20,000 handled", timeout: .seconds(90)) { handled.count >= 20_000 }
            try await eventually("stream emptied", timeout: .seconds(30)) { try await client.send(XLEN(stream)) == 0 }
        }
        let memory = try await client.send(MEMORY.USAGE(stream)) ?? 0
        #expect(memory < 64 * 1024, "an empty stream after 20,000 messages uses \(memory) bytes")
    }

    @Test func aSharedStreamIsTrimmedOnlyOnceEveryGroupAcknowledged() async throws {
        let transport = try await TestRedis.transport()
        let client = transport.client
        let topic = Topic("fanout", shared: true)
        let stream = transport.keyspace.stream(topic, partition: 0)
        // Both groups exist before the messages arrive.
        for group in ["fast", "slow"] {
            try await client.send(XGROUP.CREATE(stream, group: group, after: "0", makeStream: true))
        }
        try await transport.publish((0..<300).map { OutgoingMessage(topic: topic, payload: "\($0)".bytes) })
        let fast = Recorder<Int>()
        try await whileConsuming(transport, Subscription(topic: topic, group: "fast")) { _ in
            fast.append(1)
            return .ack
        } _: {
            try await eventually("fast group done") { fast.count == 300 }
            try await Task.sleep(for: .milliseconds(1500))  // at least one trim pass
        }
        #expect(try await client.send(XLEN(stream)) == 300, "trimmed before the slow group read")
        let slow = Recorder<Int>()
        try await whileConsuming(transport, Subscription(topic: topic, group: "slow")) { _ in
            slow.append(1)
            return .ack
        } _: {
            try await eventually("slow group done") { slow.count == 300 }
            try await eventually("trimmed", timeout: .seconds(10)) {
                try await client.send(XLEN(stream)) == 0
            }
        }
    }

    @Test func aMessageWhoseConsumerWasKilledIsRedeliveredToAnother() async throws {
        let transport = try await TestRedis.transport()
        let server = try await TestRedis.server()
        let topic = Topic("fragile")
        let (probe, log) = try await ProbeProcess.startReady(
            transport: transport, url: server.url, topic: topic, group: "workers", handleMilliseconds: 60_000,
            visibilityMilliseconds: 1000)
        try await transport.publish((0..<3).map { OutgoingMessage(topic: topic, payload: "job\($0)".bytes) })
        try await eventually("probe took all three") {
            try await ProbeEvent.read(transport.client, log).filter { $0.event == "start" }.count == 3
        }
        probe.kill()

        let redelivered = Recorder<(String, Int)>()
        try await whileConsuming(
            transport, Subscription(topic: topic, group: "workers", visibilityTimeout: .milliseconds(1000))
        ) { message in
            redelivered.append((message.payload.text, message.deliveryCount))
            return .ack
        } _: {
            try await eventually("redelivered after the visibility timeout") { redelivered.count == 3 }
        }
        #expect(Set(redelivered.all.map(\.0)) == ["job0", "job1", "job2"])
        #expect(redelivered.all.allSatisfy { $0.1 == 2 }, "second delivery of each")
    }

    /// Handlers that hold every thread of the cooperative pool (CPU-bound code) for more than two visibility
    /// timeouts: their consumer still renews what it holds (from a thread of its own), so a live consumer of the
    /// same group in another process never takes those messages back as lost.
    @Test func handlersHoldingEveryPoolThreadKeepTheirMessages() async throws {
        let transport = try await TestRedis.transport()
        let server = try await TestRedis.server()
        let log = "probe-log-\(UUID())"
        let topic = Topic("busy-pool")
        // As many as the pool has threads (one per core), each blocking its thread 5 s; visibility timeout 2 s.
        let count = max(2, ProcessInfo.processInfo.activeProcessorCount)
        try await transport.publish((0..<count).map { OutgoingMessage(topic: topic, payload: "\($0)".bytes) })
        let probe = try ProbeProcess.start(
            url: server.url, namespace: transport.keyspace.namespace, topic: topic.name, group: "g", keyed: false,
            handleMilliseconds: 5000, visibilityMilliseconds: 2000, logKey: log, blocksItsThreads: true)
        defer { probe.kill() }
        try await eventually("the probe runs them all") {
            try await ProbeEvent.read(transport.client, log).filter { $0.event == "start" }.count == count
        }
        let taken = Recorder<String>()
        let subscription = Subscription(topic: topic, group: "g", visibilityTimeout: .seconds(2))
        try await whileConsuming(transport, subscription) { message in
            taken.append(message.payload.text)
            return .ack
        } _: {
            try await eventually("the probe ended them all", timeout: .seconds(30)) {
                try await ProbeEvent.read(transport.client, log).filter { $0.event == "end" }.count == count
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(taken.all.isEmpty, "messages of a live consumer were taken back: \(taken.all)")
    }

    /// A consumer whose renewal of a message it is still handling came too late (here the message is made to look
    /// idle again and again) does not take it back from itself in a reclaim pass and run it a second time beside
    /// the first run.
    @Test func aConsumerDoesNotTakeBackWhatItIsStillHandling() async throws {
        let transport = try await TestRedis.transport()
        let topic = Topic("self-reclaim")
        let stream = transport.keyspace.stream(topic, partition: 0)
        try await transport.publish(OutgoingMessage(topic: topic, payload: "slow".bytes))
        let runs = Locked(0)
        let subscription = Subscription(
            topic: topic, group: "g", consumer: "self", visibilityTimeout: .milliseconds(300))
        try await whileConsuming(transport, subscription) { _ in
            runs.withLock { $0 += 1 }
            try await Task.sleep(for: .seconds(2))
            return .ack
        } _: {
            try await eventually("handling") { runs.value == 1 }
            let pending = try await transport.client.send(XPENDING(stream, group: "g", count: 10))
            let id = try #require(pending.first?.id)
            // For 1.5 s (five visibility timeouts), the entry looks idle for 10 s whatever its renewals do.
            let end = ContinuousClock.now + .milliseconds(1500)
            while ContinuousClock.now < end {
                let idle = XCLAIM(stream, group: "g", consumer: "self", minIdle: .zero, ids: [id], idle: .seconds(10))
                _ = try await transport.client.send(XCLAIM.JUSTID(idle))
                try await Task.sleep(for: .milliseconds(10))
            }
            try await eventually("acknowledged") {
                try await transport.client.send(XPENDING(stream, group: "g", count: 10)).isEmpty
            }
        }
        #expect(runs.value == 1, "the message ran \(runs.value) times")
    }

    @Test func aMessageKillingItsConsumersEveryTimeEndsInTheDeadLetters() async throws {
        let transport = try await TestRedis.transport()
        let topic = Topic("crashy")
        let stream = transport.keyspace.stream(topic, partition: 0)
        try await transport.client.send(XGROUP.CREATE(stream, group: "g", after: "0", makeStream: true))
        try await transport.publish(OutgoingMessage(topic: topic, payload: "poison".bytes))
        // Three consumers in turn take the message and "die" (never ack, never renew).
        for victim in 0..<3 {
            try await transport.client.send(
                XREADGROUP(
                    group: "g", consumer: "dead-\(victim)", stream: stream, id: victim == 0 ? ">" : "0", count: 1))
            if victim > 0 {
                let pending = try await transport.client.send(XPENDING(stream, group: "g", count: 1))
                try await transport.client.send(
                    XCLAIM(stream, group: "g", consumer: "dead-\(victim)", minIdle: .zero, ids: pending.map(\.id)))
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let handled = Recorder<Int>()
        try await whileConsuming(
            transport, Subscription(topic: topic, group: "g", visibilityTimeout: .milliseconds(200), maxDeliveries: 3)
        ) { message in
            handled.append(message.deliveryCount)
            return .ack
        } _: {
            try await eventually("dead-lettered") { try await !transport.deadLetters(of: topic, limit: 1).isEmpty }
        }
        #expect(handled.all.isEmpty, "a message delivered 3 times must not run a 4th time")
        let letter = try #require(try await transport.deadLetters(of: topic, limit: 1).first)
        #expect(letter.deliveryCount == 3)
        #expect(letter.reason.contains("stopped renewing"))
        #expect(try await transport.client.send(XLEN(stream)) == 0)
    }

    /// Three consumer processes share a keyed topic; one is SIGKILLed while it holds a key. Every message is
    /// handled, no two handlings of one key overlap (across processes, the dead one's unfinished handling aside),
    /// each key's messages complete in the order sent (a repeat only of the message a dead holder was handling),
    /// and the dead holder's key is handed on: its message is taken back by a live process (delivery 2), which
    /// then goes on with that key.
    @Test func keyedMessagesStaySerializedAcrossProcessesAndADeadHoldersKeyIsHandedOn() async throws {
        let transport = try await TestRedis.transport()
        let server = try await TestRedis.server()
        let namespace = transport.keyspace.namespace
        let log = "probe-log-\(UUID())"
        let topic = Topic("keyed-fleet", keyed: true)
        let probes = try (0..<3).map { _ in
            try ProbeProcess.start(
                url: server.url, namespace: namespace, topic: topic.name, group: "engine", keyed: true,
                handleMilliseconds: 400, visibilityMilliseconds: 1000, logKey: log)
        }
        defer { probes.forEach { $0.kill() } }
        try await eventually("probes ready") { try await ProbeEvent.readyCount(transport.client, log) == 3 }
        let keys = (0..<6).map { "w\($0)" }
        let perKey = 6
        for sequence in 0..<perKey {
            try await transport.publish(
                keys.map { OutgoingMessage(topic: topic, key: $0, payload: "\(sequence)".bytes) })
        }
        // Kill a process while it holds a key, once the fleet is under way: a handling (400 ms) that started less
        // than 150 ms ago, so that the kill lands well before it ends.
        let killed = Locked<String?>(nil)
        try await eventually("a process holds a key", timeout: .seconds(30)) {
            let events = try await ProbeEvent.read(transport.client, log)
            guard events.filter({ $0.event == "end" }).count >= keys.count else { return false }
            let now = Int(Date().timeIntervalSince1970 * 1000)
            guard let fresh = ProbeEvent.openStarts(events).last, now - fresh.milliseconds < 150,
                let index = probes.firstIndex(where: { "probe-\($0.pid)" == fresh.consumer })
            else { return false }
            let holder = fresh.consumer
            probes[index].kill()
            killed.withLock { $0 = holder }
            return true
        }
        let dead = try #require(killed.value)
        try await eventually("all handled by the fleet", timeout: .seconds(60)) {
            let ended = try await ProbeEvent.read(transport.client, log).filter { $0.event == "end" }
            return Set(ended.map { "\($0.key)|\($0.payload)" }).count == keys.count * perKey
        }
        let events = try await ProbeEvent.read(transport.client, log)
        // What the dead process left unfinished.
        let unfinished = ProbeEvent.openStarts(events).filter { $0.consumer == dead }
        #expect(!unfinished.isEmpty, "the killed process held a key when it died")
        #expect(
            ProbeEvent.openStarts(events).allSatisfy { $0.consumer == dead }, "live processes finish what they start")
        let handling = events.filter { !($0.event == "start" && unfinished.contains($0)) }
        for key in keys {
            let ofKey = handling.filter { $0.key == key }
            // Starts and ends alternate: no two handlings of one key overlapped, even across processes.
            #expect(
                ofKey.map(\.event) == Array(repeating: ["start", "end"], count: ofKey.count / 2).flatMap { $0 },
                "\(key)")
            // Completed in order; a payload repeats only right after itself (a redelivery of a handling whose
            // end was logged just before its process died).
            var completed: [Int] = []
            for event in ofKey where event.event == "end" {
                let payload = Int(event.payload)!
                if completed.last != payload { completed.append(payload) }
            }
            #expect(completed == Array(0..<perKey), "order of \(key)")
        }
        for held in unfinished {
            let after = handling.filter { $0.key == held.key && $0.milliseconds >= held.milliseconds }
            let taken = after.first { $0.event == "start" && $0.payload == held.payload }
            #expect(
                taken != nil && taken?.consumer != dead && (taken?.deliveries ?? 0) >= 2, "\(held.key) was taken back")
            let later = after.filter { $0.event == "end" && Int($0.payload)! > Int(held.payload)! }
            #expect(later.allSatisfy { $0.consumer != dead }, "\(held.key) went on in a live process")
        }
        #expect(Set(events.filter { $0.event == "start" }.map(\.consumer)).count > 1, "the work was shared")
    }

    @Test func theKeyOfAKilledHolderIsHandedToTheParkedMessagesInOrder() async throws {
        let transport = try await TestRedis.transport()
        let server = try await TestRedis.server()
        let topic = Topic("keyed-crash", keyed: true)
        let (probe, log) = try await ProbeProcess.startReady(
            transport: transport, url: server.url, topic: topic, group: "engine", handleMilliseconds: 60_000,
            visibilityMilliseconds: 1000)
        try await transport.publish(OutgoingMessage(topic: topic, key: "K", payload: "0".bytes))
        try await eventually("the probe holds K") {
            try await ProbeEvent.read(transport.client, log).contains { $0.event == "start" }
        }
        try await transport.publish((1..<5).map { OutgoingMessage(topic: topic, key: "K", payload: "\($0)".bytes) })
        let park = transport.keyspace.parkPrefix(topic, group: "engine", partition: 0) + "K"
        try await eventually("the probe read and parked them behind K") {
            try await transport.client.send(LRANGE(park, 0, -1)).count == 4
        }
        probe.kill()

        let order = Recorder<String>()
        try await whileConsuming(
            transport, Subscription(topic: topic, group: "engine", visibilityTimeout: .milliseconds(1000))
        ) { message in
            order.append(message.payload.text)
            return .ack
        } _: {
            try await eventually("all five handled") { order.count >= 5 }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(order.all == ["0", "1", "2", "3", "4"])
    }

    /// A holder killed in the middle of a batch of its key: the batch's entries come back oldest first, before
    /// the entries parked behind the batch meanwhile. Also when the consumer taking them back reclaims one entry
    /// at a time (one free permit: its reclaim pass reads one pending entry): the batch comes back whole with its
    /// first entry, so handing the key on after that entry cannot pass the rest of the batch.
    @Test(arguments: [32, 1])
    func aKilledHoldersBatchComesBackBeforeWhatWasParkedBehindIt(takerPermits: Int) async throws {
        let transport = try await TestRedis.transport()
        let server = try await TestRedis.server()
        let log = "probe-log-\(UUID())"
        let topic = Topic("keyed-batch-crash", keyed: true)
        // Published before the probe reads: its first read takes the three as one batch of key K.
        try await transport.publish((0..<3).map { OutgoingMessage(topic: topic, key: "K", payload: "\($0)".bytes) })
        let probe = try ProbeProcess.start(
            url: server.url, namespace: transport.keyspace.namespace, topic: topic.name, group: "engine", keyed: true,
            handleMilliseconds: 60_000, visibilityMilliseconds: 1000, logKey: log, keyBatchSize: 10)
        try await eventually("the probe holds the batch") {
            try await ProbeEvent.read(transport.client, log).filter { $0.event == "start" }.count == 3
        }
        try await transport.publish((3..<7).map { OutgoingMessage(topic: topic, key: "K", payload: "\($0)".bytes) })
        let park = transport.keyspace.parkPrefix(topic, group: "engine", partition: 0) + "K"
        try await eventually("the probe read and parked them behind its batch") {
            try await transport.client.send(LRANGE(park, 0, -1)).count == 4
        }
        probe.kill()

        let order = Recorder<String>()
        var subscription = Subscription(
            topic: topic, group: "engine", concurrency: takerPermits, batchSize: takerPermits,
            visibilityTimeout: .milliseconds(1000))
        subscription.keyBatchSize = 4
        try await whileConsuming(transport, subscription) { message in
            order.append(message.payload.text)
            return .ack
        } _: {
            try await eventually("all seven handled") { order.count >= 7 }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(order.all == (0..<7).map(String.init))
    }

    /// A fleet down longer than the lock TTL: the dead holder's lock expired, yet its lost message still runs
    /// before a newer message of its key, even when the first reclaim pass is cut short (one free permit, and a
    /// pending entry gone from the stream first in the pending list): a consumer reads new entries only once its
    /// first reclaim pass went through the whole pending list.
    @Test func aKeyWhoseLockExpiredWhileTheFleetWasDownKeepsItsOrder() async throws {
        let transport = try await TestRedis.transport()
        let server = try await TestRedis.server()
        let topic = Topic("keyed-down", keyed: true)
        // Visibility 200 ms: the probe's locks live five times that, 1 s.
        let (probe, log) = try await ProbeProcess.startReady(
            transport: transport, url: server.url, topic: topic, group: "engine", handleMilliseconds: 60_000,
            visibilityMilliseconds: 200)
        try await transport.publish(OutgoingMessage(topic: topic, key: "J", payload: "gone".bytes))
        try await transport.publish(OutgoingMessage(topic: topic, key: "K", payload: "lost".bytes))
        try await eventually("the probe holds both") {
            try await ProbeEvent.read(transport.client, log).filter { $0.event == "start" }.count == 2
        }
        probe.kill()
        let gone = try #require(try await ProbeEvent.read(transport.client, log).first { $0.payload == "gone" })
        _ = try await transport.client.send(XDEL(transport.keyspace.stream(topic, partition: 0), ids: [gone.id]))
        let lock = transport.keyspace.lockPrefix(topic, group: "engine", partition: 0) + "K"
        try await eventually("the dead holder's lock expired", timeout: .seconds(10)) {
            try await transport.client.send(EXISTS([lock])) == 0
        }
        try await transport.publish(OutgoingMessage(topic: topic, key: "K", payload: "new".bytes))

        let order = Recorder<String>()
        let subscription = Subscription(
            topic: topic, group: "engine", concurrency: 1, batchSize: 1, visibilityTimeout: .milliseconds(200))
        try await whileConsuming(transport, subscription) { message in
            order.append(message.payload.text)
            return .ack
        } _: {
            try await eventually("both of K handled") { order.count >= 2 }
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(order.all == ["lost", "new"])
    }

    /// A live holder renews its key's lock past its TTL; a dead holder's lock expires by itself.
    @Test func aLiveHolderKeepsItsKeyPastTheLockTTLAndADeadOnesKeyFreesByItself() async throws {
        let transport = try await TestRedis.transport()
        let server = try await TestRedis.server()
        let topic = Topic("ttl", keyed: true)
        let lock = transport.keyspace.lockPrefix(topic, group: "g", partition: 0) + "K"
        // Alive: a handler running twice the lock TTL keeps the key (renewed), so the second message waits. (The
        // TTL leaves the renewal, every third of it, room for a stall of the loaded machine running the suite: 900 ms
        // once lost the key to one, with a 300 ms renewal, and 1.5 s once, with a 500 ms renewal, in a fresh-clone
        // run where other tests took 20 times as long as alone.)
        try await transport.publish((0..<2).map { OutgoingMessage(topic: topic, key: "K", payload: "\($0)".bytes) })
        let running = Locked(0)
        let overlap = Locked(false)
        let handled = Recorder<String>()
        let subscription = Subscription(
            topic: topic, group: "g", visibilityTimeout: .seconds(5), lockTimeToLive: .seconds(3))
        try await whileConsuming(transport, subscription) { message in
            if running.withLock({
                $0 += 1; return $0
            }) > 1 {
                overlap.withLock { $0 = true }
            }
            if message.payload.text == "0" {
                for _ in 0..<2 {
                    try await Task.sleep(for: .seconds(3))
                    let ttl = try await transport.client.send(PTTL(lock))
                    #expect(ttl > 0, "the lock of a live holder must not expire")
                }
            }
            running.withLock { $0 -= 1 }
            handled.append(message.payload.text)
            return .ack
        } _: {
            try await eventually("both handled") { handled.count == 2 }
        }
        #expect(!overlap.value)
        #expect(handled.all == ["0", "1"])

        // Dead: a holder killed mid-flight leaves its lock, which expires after its TTL (5 s for the probe: five
        // times its 1 s visibility timeout).
        let (probe, log) = try await ProbeProcess.startReady(
            transport: transport, url: server.url, topic: Topic("ttl-dead", keyed: true), group: "g",
            handleMilliseconds: 60_000, visibilityMilliseconds: 1000)
        try await transport.publish(
            OutgoingMessage(topic: Topic("ttl-dead", keyed: true), key: "K", payload: "x".bytes))
        try await eventually("the probe holds K") {
            try await ProbeEvent.read(transport.client, log).contains { $0.event == "start" }
        }
        let deadLock = transport.keyspace.lockPrefix(Topic("ttl-dead", keyed: true), group: "g", partition: 0) + "K"
        #expect(try await transport.client.send(EXISTS([deadLock])) == 1)
        probe.kill()
        try await eventually("the dead holder's lock expired", timeout: .seconds(10)) {
            try await transport.client.send(EXISTS([deadLock])) == 0
        }
    }

    @Test func severalConsumersMovingScheduledMessagesDeliverEachOnce() async throws {
        let transport = try await TestRedis.transport()
        let topic = Topic("many-movers")
        let due = Date().addingTimeInterval(0.3)
        try await transport.publish(
            (0..<300).map { OutgoingMessage(topic: topic, payload: "\($0)".bytes, delivery: .at(due)) })
        let received = Recorder<String>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<3 {
                let subscription = Subscription(
                    topic: topic, group: "g", consumer: "mover-\(index)", schedulerInterval: .milliseconds(5))
                group.addTask {
                    try await transport.consume(subscription) { message in
                        received.append(message.payload.text)
                        return .ack
                    }
                }
            }
            try await eventually("all 300 delivered") { received.count >= 300 }
            try await Task.sleep(for: .milliseconds(300))
            group.cancelAll()
        }
        #expect(received.count == 300)
        #expect(Set(received.all).count == 300)
        #expect(
            try await transport.client.send(ZCARD(transport.keyspace.scheduled(topic, partition: 0))) == 0)
    }

    @Test func connectionsKilledMidFlightLoseNothing() async throws {
        let server = try await RedisServerProcess.start(appendOnly: false)
        defer { server.stopAndRemoveData() }
        let transport = try await TestRedis.transport(server: server)
        let admin = RedisConnection(configuration: try RedisConfiguration(url: server.url))
        defer { admin.close() }
        let topic = Topic("turbulent", keyed: true)
        let count = 2000
        let handled = Locked<Set<String>>([])
        let subscription = Subscription(topic: topic, group: "g", concurrency: 16, visibilityTimeout: .seconds(1))
        try await whileConsuming(transport, subscription) { message in
            try await Task.sleep(for: .microseconds(200))
            _ = handled.withLock { $0.insert(message.payload.text) }
            return .ack
        } _: {
            var killed = 0
            for round in 0..<10 {
                try await publishRetrying(
                    transport,
                    (0..<200).map {
                        OutgoingMessage(topic: topic, key: "k\($0 % 10)", payload: "\(round * 200 + $0)".bytes)
                    })
                try await Task.sleep(for: .milliseconds(30))
                // Kill every client connection but the admin's: the transport's pool and blocking reads.
                let me = try await admin.send(CLIENT.ID())
                let list = try await admin.send(CLIENT.LIST())
                for line in list.split(separator: "\n") {
                    guard let idField = line.split(separator: " ").first(where: { $0.hasPrefix("id=") }),
                        let id = Int(idField.dropFirst(3)), id != me
                    else { continue }
                    killed += (try? await admin.send(CLIENT.KILL(clientID: id))) ?? 0
                }
            }
            #expect(killed >= 10)
            try await eventually("every message handled despite the kills", timeout: .seconds(60)) {
                handled.value.count == count
            }
            #expect(handled.value == Set((0..<count).map(String.init)))
        }
    }

    /// Publishing is at least once: after a lost connection the caller publishes again.
    private func publishRetrying(_ transport: RedisStreamsTransport, _ messages: [OutgoingMessage]) async throws {
        while true {
            do {
                return try await transport.publish(messages)
            } catch let error as RedisError where error.isConnectionError {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    @Test func anExpiringTopicNeverOutlivesItsIdleTime() async throws {
        let transport = try await TestRedis.transport()
        let topic = Topic("replies-to-a-client", expiresAfterIdle: .seconds(60))
        let stream = transport.keyspace.stream(topic, partition: 0)
        func ttl() async throws -> Int { try await transport.client.send(PTTL(stream)) }

        let received = Recorder<String>()
        try await whileConsuming(transport, Subscription(topic: topic, group: "client")) { message in
            received.append(message.payload.text)
            return .ack
        } _: {
            try await eventually("the consumer created the topic with an expiry") { try await ttl() > 0 }
            try await transport.publish(OutgoingMessage(topic: topic, payload: "answer".bytes))
            try await eventually("delivered") { received.count == 1 }
        }
        // The consumer is gone and its topic deleted; a late publication recreates it, with an expiry.
        try await transport.deleteTopic(topic)
        #expect(try await ttl() == -2)
        try await transport.publish(OutgoingMessage(topic: topic, payload: "late".bytes))
        #expect(try await ttl() > 50_000)
        // Also when the late message comes from a handler's commit (the commit script).
        try await transport.deleteTopic(topic)
        let source = Topic("engine-like")
        try await transport.publish(OutgoingMessage(topic: source, payload: "x".bytes))
        let forwarded = Recorder<Int>()
        try await whileConsuming(transport, Subscription(topic: source, group: "g")) { _ in
            forwarded.append(1)
            return .ack(Commit(messages: [OutgoingMessage(topic: topic, payload: "late too".bytes)]))
        } _: {
            try await eventually("forwarded") { forwarded.count == 1 }
            try await eventually("the recreated topic expires") { try await ttl() > 50_000 }
        }
    }

    @Test func aConsumerRecreatesItsGroupWhenTheStreamVanishes() async throws {
        let transport = try await TestRedis.transport()
        let topic = Topic("vanishing")
        let received = Recorder<String>()
        try await whileConsuming(transport, Subscription(topic: topic, group: "g")) { message in
            received.append(message.payload.text)
            return .ack
        } _: {
            try await transport.publish(OutgoingMessage(topic: topic, payload: "before".bytes))
            try await eventually("first message") { received.count == 1 }
            try await transport.client.send(DEL([transport.keyspace.stream(topic, partition: 0)]))
            try await Task.sleep(for: .milliseconds(100))
            try await transport.publish(OutgoingMessage(topic: topic, payload: "after".bytes))
            try await eventually("the consumer recreated its group and read on", timeout: .seconds(20)) {
                received.count == 2
            }
        }
        #expect(received.all == ["before", "after"])
    }

    @Test func refusesARedisThatMayEvictMessages() async throws {
        let server = try await RedisServerProcess.start(
            appendOnly: false, extraArguments: ["--maxmemory-policy", "allkeys-lru"])
        defer { server.stopAndRemoveData() }
        do {
            _ = try await RedisStreamsTransport.connect(configuration: RedisStreamsConfiguration(url: server.url))
            Issue.record("expected the broker check to refuse allkeys-lru")
        } catch let error as TransportError {
            #expect(error.code == .misconfiguredBroker)
            #expect(error.message.contains("noeviction"))
            #expect(error.message.contains("allkeys-lru"))
        }
        var lenient = try RedisStreamsConfiguration(url: server.url)
        lenient.brokerCheck = .warn
        _ = try await RedisStreamsTransport.connect(configuration: lenient)
    }

    @Test func anUnreachableRedisIsAClearError() async throws {
        let port = try RedisServerProcess.freeLoopbackPort()
        var configuration = try RedisStreamsConfiguration(url: "redis://127.0.0.1:\(port)")
        configuration.redis.connectTimeout = .seconds(1)
        configuration.startupRetryLimit = .milliseconds(300)
        do {
            _ = try await RedisStreamsTransport.connect(configuration: configuration)
            Issue.record("expected a connection error")
        } catch let error as TransportError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("127.0.0.1:\(port)"))
        }
    }

    @Test func partitionsSpreadKeysAndKeepEachKeysMessagesTogether() async throws {
        let transport = try await TestRedis.transport(partitions: 4)
        let topic = Topic("partitioned", keyed: true)
        try await transport.publish(
            (0..<400).map { OutgoingMessage(topic: topic, key: "w\($0 % 40)", payload: "\($0)".bytes) })
        var lengths: [Int] = []
        for partition in 0..<4 {
            lengths.append(
                try await transport.client.send(XLEN(transport.keyspace.stream(topic, partition: partition))))
        }
        #expect(lengths.reduce(0, +) == 400)
        #expect(lengths.filter { $0 > 0 }.count >= 3, "40 keys over 4 partitions: \(lengths)")
        let received = Recorder<(String, Int)>()
        try await whileConsuming(transport, Subscription(topic: topic, group: "g")) { message in
            received.append((message.key ?? "", message.partition))
            return .ack
        } _: {
            try await eventually("all read from every partition") { received.count == 400 }
        }
        for (key, partition) in received.all {
            #expect(transport.keyspace.partition(for: key) == partition)
        }
    }
}
