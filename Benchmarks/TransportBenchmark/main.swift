// Transport benchmark: end-to-end messages/s (publish -> consume -> ack) of the Redis Streams transport
// against a raw pipelined hiredis loop on the same redis-server in the same run, and the per-message cost
// of the atomic consume-and-produce step. Run it in release:
//
//   swift run -c release TransportBenchmark [--messages 200000] [--rounds 3] [--no-aof] [--url redis://...]
//   swift run -c release TransportBenchmark --only durability [--messages 5000]   (publish cost of .fsynced)
import BenchmarkSupport
import Foundation
import InfiniticRedis
import InfiniticTransport

let options = BenchmarkOptions(
    defaultMessages: 200_000,
    usage:
        "TransportBenchmark [--messages N] [--rounds N] [--no-aof] [--url redis://host:port] [--only transport|durability]"
)
bootstrapQuietLogging()
if options.only == "durability" {
    // Starts its own servers (one per appendfsync setting).
    try await durabilityBenchmark(messages: min(options.messages, 5_000))
    exit(0)
}
let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 64)
let redis = try await BenchmarkRedis(options)
print(
    "redis-server at \(redis.url) (AOF \(options.appendOnly ? "everysec" : "off")), \(options.messages) messages of "
        + "\(payload.count) bytes, \(options.rounds) rounds, \(allocatorDescription)")

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
                try await transport.client.send(XLEN(stream)) == 0
            {
                break
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        group.cancelAll()
    }
    return Double(count) / seconds(start.duration(to: .now))
}

let transport = try await RedisStreamsTransport.connect(
    configuration: RedisStreamsConfiguration(
        redis: redis.configuration, keyspace: try RedisKeyspace(namespace: "bench-\(UUID().uuidString.prefix(6))")))

var raw: [Double] = []
var ours: [Double] = []
var commits: [Double] = []
for round in 0..<options.rounds {
    try await transport.client.send(CONFIG.RESETSTAT())
    if options.only == "transport" {
        print(
            try await transportLoop(
                options.messages, topic: Topic("plain-\(round)"), keys: nil, handler: { _ in .ack },
                transport: transport))
        continue
    }
    raw.append(
        try rawHiredisLoop(options.messages, stream: "bench-raw-\(round)", redis: redis.configuration, payload: payload)
    )
    let rawCalls = try await commandCalls(transport.client)
    try await transport.client.send(CONFIG.RESETSTAT())
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
    try await transport.client.send(DEL([transport.keyspace.stream(output, partition: 0)]))
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
redis.stop()
