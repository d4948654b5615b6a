// Transport benchmark: end-to-end messages/s (publish -> consume -> ack) of the Redis Streams transport
// against a raw pipelined hiredis loop on the same redis-server in the same run, and the per-message cost
// of the atomic consume-and-produce step. Run it in release:
//
//   swift run -c release TransportBenchmark [--messages 200000] [--rounds 3] [--no-aof] [--url redis://...]
import Foundation
import InfiniticRedis
import InfiniticTransport
import Logging
import Synchronization

struct Options {
    var messages = 200_000
    var rounds = 3
    var appendOnly = true
    var url: String?
    var only: String?

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--messages": messages = Int(iterator.next() ?? "") ?? messages
            case "--rounds": rounds = Int(iterator.next() ?? "") ?? rounds
            case "--no-aof": appendOnly = false
            case "--url": url = iterator.next()
            case "--only": only = iterator.next()
            default:
                print("usage: TransportBenchmark [--messages N] [--rounds N] [--no-aof] [--url redis://host:port]")
                exit(2)
            }
        }
    }
}

let options = Options(CommandLine.arguments)
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .error
    return handler
}
let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 64)

let server: RedisServerProcess? =
    options.url == nil ? try await RedisServerProcess.start(appendOnly: options.appendOnly) : nil
let url = options.url ?? server!.url
let redis = try RedisConfiguration(url: url)
print(
    "redis-server at \(url) (AOF \(options.appendOnly ? "everysec" : "off")), \(options.messages) messages of \(payload.count) bytes, \(options.rounds) rounds"
)

/// Raw hiredis, no Swift concurrency: one producer thread pipelining XADD by 100, one consumer thread doing
/// XREADGROUP COUNT 100 then one XACK and one XDEL per batch.
func rawLoop(_ count: Int, stream: String) throws -> Double {
    let setup = try RedisSyncConnection(configuration: redis)
    _ = try setup.pipeline([
        RedisCommand(["DEL", stream]), RedisCommand(["XGROUP", "CREATE", stream, "g", "0", "MKSTREAM"]),
    ])
    let done = DispatchSemaphore(value: 0)
    let failure = Mutex<String?>(nil)
    let start = ContinuousClock.now
    let producer = Thread {
        do {
            let connection = try RedisSyncConnection(configuration: redis)
            var sent = 0
            while sent < count {
                let batch = min(100, count - sent)
                for _ in 0..<batch {
                    var add = RedisCommand("XADD")
                    add.append(stream)
                    add.append("*")
                    add.append("p")
                    add.append(bytes: payload)
                    connection.append(add)
                }
                for _ in 0..<batch { _ = try connection.readReply() }
                sent += batch
            }
        } catch { failure.withLock { $0 = "\(error)" } }
        done.signal()
    }
    let consumer = Thread {
        do {
            let connection = try RedisSyncConnection(configuration: redis)
            var received = 0
            while received < count {
                let reply = try connection.pipeline([
                    RedisCommand([
                        "XREADGROUP", "GROUP", "g", "c", "COUNT", "100", "BLOCK", "1000", "STREAMS", stream, ">",
                    ])
                ])[0]
                guard let entries = reply.array?.first?.array?[1].array, !entries.isEmpty else { continue }
                let ids = entries.compactMap { $0.array?.first?.string }
                _ = try connection.pipeline([
                    RedisCommand(["XACK", stream, "g"] + ids), RedisCommand(["XDEL", stream] + ids),
                ])
                received += ids.count
            }
        } catch { failure.withLock { $0 = "\(error)" } }
        done.signal()
    }
    producer.start()
    consumer.start()
    done.wait()
    done.wait()
    if let message = failure.withLock({ $0 }) { throw RedisError(.connectionLost, message) }
    return Double(count) / seconds(start.duration(to: .now))
}

func seconds(_ duration: Duration) -> Double {
    let (whole, fraction) = duration.components
    return Double(whole) + Double(fraction) / 1e18
}

/// Publishes `count` messages from 4 concurrent producers (batches of 100) while one consumer (handler
/// concurrency 512) acknowledges them; returns messages/s from the first publish to the last ack.
func transportLoop(
    _ count: Int, topic: Topic, keys: Int?, handler: @escaping MessageHandler, transport: RedisStreamsTransport
) async throws -> Double {
    let handled = Counter()
    let stream = transport.keyspace.stream(topic, partition: 0)
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await transport.consume(Subscription(topic: topic, group: "g", concurrency: 512, batchSize: 200)) {
                message in
                let disposition = try await handler(message)
                handled.increment()
                return disposition
            }
        }
        let producers = 4
        for producer in 0..<producers {
            group.addTask {
                var index = producer
                while index < count {
                    var batch: [OutgoingMessage] = []
                    while batch.count < 100 && index < count {
                        batch.append(
                            OutgoingMessage(topic: topic, key: keys.map { "key-\(index % $0)" }, payload: payload))
                        index += producers
                    }
                    try await transport.publish(batch)
                }
            }
        }
        // Done when every message was handled and its acknowledgement committed (the stream is empty).
        while true {
            if handled.value >= count,
                try await transport.client.send(RedisCommand(["XLEN", stream])).int == 0
            {
                break
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        group.cancelAll()
    }
    return Double(count) / seconds(start.duration(to: .now))
}

/// A counter shared by concurrent handlers.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// Calls per command since the last `CONFIG RESETSTAT`, from `INFO commandstats`.
func commandCalls(_ client: RedisClient) async throws -> [(String, Int)] {
    let info = try await client.send(RedisCommand(["INFO", "commandstats"])).string ?? ""
    var calls: [(String, Int)] = []
    for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_") {
        let name = line.dropFirst("cmdstat_".count).split(separator: ":")[0]
        if let field = line.split(separator: ",").first(where: { $0.contains("calls=") }),
            let count = Int(field.split(separator: "=").last ?? "")
        {
            calls.append((String(name), count))
        }
    }
    return calls.sorted { $0.1 > $1.1 }
}

func describeCalls(_ calls: [(String, Int)], per count: Int) -> String {
    calls.filter { $0.0 != "info" && $0.0 != "config|resetstat" }
        .map { String(format: "%@ %.3f", $0.0, Double($0.1) / Double(count)) }.joined(separator: ", ")
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

let transport = try await RedisStreamsTransport.connect(
    configuration: RedisStreamsConfiguration(
        redis: redis, keyspace: try RedisKeyspace(namespace: "bench-\(UUID().uuidString.prefix(6))")))

var raw: [Double] = []
var ours: [Double] = []
var commits: [Double] = []
for round in 0..<options.rounds {
    try await transport.client.send(RedisCommand(["CONFIG", "RESETSTAT"]))
    if options.only == "transport" {
        print(
            try await transportLoop(
                options.messages, topic: Topic("plain-\(round)"), keys: nil, handler: { _ in .ack },
                transport: transport))
        continue
    }
    raw.append(try rawLoop(options.messages, stream: "bench-raw-\(round)"))
    let rawCalls = try await commandCalls(transport.client)
    try await transport.client.send(RedisCommand(["CONFIG", "RESETSTAT"]))
    ours.append(
        try await transportLoop(
            options.messages, topic: Topic("plain-\(round)"), keys: nil, handler: { _ in .ack }, transport: transport))
    let ourCalls = try await commandCalls(transport.client)
    if round == 0 {
        print("commands per message, raw: \(describeCalls(rawCalls, per: options.messages))")
        print("commands per message, transport: \(describeCalls(ourCalls, per: options.messages))")
    }
    // Consume-and-produce: on a keyed topic, each message takes its key's lock, reads nothing, and commits
    // atomically: a versioned state write, one published message, the ack and the lock release.
    let output = Topic("produced-\(round)")
    commits.append(
        try await transportLoop(
            options.messages / 2, topic: Topic("step-\(round)", keyed: true), keys: 10_000,
            handler: { message in
                .ack(
                    Commit(
                        messages: [OutgoingMessage(topic: output, key: message.key, payload: message.payload)],
                        writes: [StateWrite(key: StateKey("state-\(message.key!)"), operation: .put(message.payload))]))
            }, transport: transport))
    try await transport.client.send(RedisCommand(["DEL", transport.keyspace.stream(output, partition: 0)]))
    print(
        String(
            format: "round %d: raw hiredis %.0f msg/s, transport %.0f msg/s, consume-and-produce %.0f msg/s", round + 1,
            raw.last!, ours.last!, commits.last!))
}

if options.only != nil { exit(0) }
let ratio = median(ours) / median(raw)
print("")
print(String(format: "raw pipelined hiredis loop (physical limit): %8.0f msg/s (median)", median(raw)))
print(String(format: "transport publish -> consume -> ack:         %8.0f msg/s (median)", median(ours)))
print(String(format: "ratio transport / raw:                       %8.2f  (target >= 0.70)", ratio))
print(
    String(
        format: "atomic consume-and-produce step (keyed, state write + publish + ack): %.0f msg/s, %.1f us/message",
        median(commits), 1e6 / median(commits)))
transport.close()
server?.stopAndRemoveData()
